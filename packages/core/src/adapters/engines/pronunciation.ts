/**
 * Pronunciations in the CMU dictionary's phone set (39 phones, no stress), for words a session's glossary brings
 * that pocketsphinx's dictionary lacks. eSpeak NG's IPA for the word (US English) is mapped phone by phone when
 * eSpeak is installed; English spelling rules give a rougher guess (`letterToSound`), an alternate beside eSpeak's
 * and the only one without it, so a missing optional engine makes the word harder to hear, never impossible to add.
 */

/**
 * A word's pronunciations as pocketsphinx's dictionary writes them ("K AH N IY S IH S"), the likeliest first; none
 * when none can be made.
 */
export type Pronouncer = (word: string) => Promise<string[]>;

/**
 * eSpeak NG's IPA symbols (en-US voice, stress and length marks removed) -> CMU phones. Longer symbols are tried
 * first, so "aɪ" is one phone and "ɑːɹ" two. The flap (ɾ) and the glottal stop are written T as the dictionary
 * writes them ("cutter" K AH T ER).
 */
const IPA_TO_CMU: Record<string, string> = {
  ɑ: "AA",
  ɒ: "AA",
  æ: "AE",
  a: "AE",
  ʌ: "AH",
  ə: "AH",
  ɐ: "AH",
  ɔ: "AO",
  aʊ: "AW",
  aɪ: "AY",
  ɛ: "EH",
  e: "EH",
  ɜ: "ER",
  ɝ: "ER",
  ɚ: "ER",
  eɪ: "EY",
  ɪ: "IH",
  ᵻ: "IH",
  i: "IY",
  oʊ: "OW",
  o: "OW",
  ɔɪ: "OY",
  ʊ: "UH",
  u: "UW",
  b: "B",
  tʃ: "CH",
  d: "D",
  ð: "DH",
  f: "F",
  ɡ: "G",
  g: "G",
  h: "HH",
  x: "HH",
  ç: "HH",
  dʒ: "JH",
  k: "K",
  l: "L",
  ɫ: "L",
  m: "M",
  n: "N",
  ŋ: "NG",
  p: "P",
  ɹ: "R",
  r: "R",
  s: "S",
  ʃ: "SH",
  t: "T",
  ɾ: "T",
  ʔ: "T",
  θ: "TH",
  v: "V",
  w: "W",
  j: "Y",
  z: "Z",
  ʒ: "ZH",
};
const IPA_SYMBOLS = Object.keys(IPA_TO_CMU).sort((a, b) => b.length - a.length);
/** Stress, length, syllabic and other marks that do not change the CMU phone; "_" is eSpeak's phoneme separator. */
const IPA_MARKS = /[ˈˌːˑ̩̯͡‿_\s-]/gu;

/** eSpeak NG's IPA for an English word, as CMU phones; undefined when a symbol has no CMU phone. */
export function cmuPhonesFromIpa(ipa: string): string | undefined {
  const symbols = ipa.normalize("NFD").replace(IPA_MARKS, "");
  const phones: string[] = [];
  for (let at = 0; at < symbols.length; ) {
    const symbol = IPA_SYMBOLS.find((s) => symbols.startsWith(s, at));
    if (!symbol) return undefined;
    phones.push(IPA_TO_CMU[symbol]!);
    at += symbol.length;
  }
  return phones.length > 0 ? phones.join(" ") : undefined;
}

/**
 * English spellings -> CMU phones, longest spelling first: a guess from letters alone, for when eSpeak NG (whose
 * rules and exception lists know far more) is not installed. Vowels get their short sound, "e" at a word's end none.
 */
const SPELLINGS: [string, string][] = [
  ["tch", "CH"],
  ["sch", "SH"],
  ["igh", "AY"],
  ["ough", "AO"],
  ["tion", "SH AH N"],
  ["sion", "ZH AH N"],
  ["ch", "CH"],
  ["sh", "SH"],
  ["th", "TH"],
  ["ph", "F"],
  ["wh", "W"],
  ["ck", "K"],
  ["ng", "NG"],
  ["qu", "K W"],
  ["kn", "N"],
  ["wr", "R"],
  ["ee", "IY"],
  ["ea", "IY"],
  ["ie", "IY"],
  ["oo", "UW"],
  ["ou", "AW"],
  ["ow", "OW"],
  ["oa", "OW"],
  ["oi", "OY"],
  ["oy", "OY"],
  ["ai", "EY"],
  ["ay", "EY"],
  ["au", "AO"],
  ["aw", "AO"],
  ["ew", "UW"],
  ["er", "ER"],
  ["ir", "ER"],
  ["ur", "ER"],
  ["ar", "AA R"],
  ["or", "AO R"],
  ["a", "AE"],
  ["b", "B"],
  ["c", "K"],
  ["d", "D"],
  ["e", "EH"],
  ["f", "F"],
  ["g", "G"],
  ["h", "HH"],
  ["i", "IH"],
  ["j", "JH"],
  ["k", "K"],
  ["l", "L"],
  ["m", "M"],
  ["n", "N"],
  ["o", "AA"],
  ["p", "P"],
  ["q", "K"],
  ["r", "R"],
  ["s", "S"],
  ["t", "T"],
  ["u", "AH"],
  ["v", "V"],
  ["w", "W"],
  ["x", "K S"],
  ["y", "IY"],
  ["z", "Z"],
];

/** A pronunciation guessed from the spelling alone; undefined for a word with no letter of the English alphabet. */
export function letterToSound(word: string): string | undefined {
  const letters = word
    .toLowerCase()
    .normalize("NFD")
    .replace(/[^a-z]/g, "")
    .replace(/(.)\1+/g, "$1")
    .replace(/([^aeiou])e$/, "$1");
  const phones: string[] = [];
  for (let at = 0; at < letters.length; ) {
    const [spelling, sound] = SPELLINGS.find(([s]) => letters.startsWith(s, at))!;
    // "c" and "g" before e, i, y are soft.
    const soft = /[eiy]/.test(letters[at + 1] ?? "") && (spelling === "c" || spelling === "g");
    phones.push(soft ? (spelling === "c" ? "S" : "JH") : sound);
    at += spelling.length;
  }
  return phones.length > 0 ? phones.join(" ") : undefined;
}

/** The part of eSpeak NG used: a word's phonemes in IPA. */
export interface IpaSource {
  ipa(text: string, language: string): Promise<string>;
}

/**
 * eSpeak NG's pronunciation when given one, then the spelling's where it differs. A name is not always said as
 * English rules for common words would have it: eSpeak reads "Digium" as "religion" ends (D IH JH AH M), where its
 * speakers say the vowel the spelling shows (D IH JH IH AH M). Pocketsphinx takes whichever of a word's
 * pronunciations fits the audio, as it does for the dictionary's own alternates ("read": R EH D, R IY D).
 */
export function pronouncer(espeak?: IpaSource): Pronouncer {
  return async (word) => {
    const fromEspeak = espeak ? cmuPhonesFromIpa(await espeak.ipa(word, "en")) : undefined;
    return [...new Set([fromEspeak, letterToSound(word)].filter((phones) => phones !== undefined))];
  };
}
