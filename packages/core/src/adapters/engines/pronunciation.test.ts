import { describe, expect, it } from "vitest";
import { EspeakSynthesizer } from "./espeak.ts";
import { cmuPhonesFromIpa, letterToSound, pronouncer } from "./pronunciation.ts";

describe("pronunciations in CMU phones", () => {
  it("maps eSpeak NG's IPA, stress and length marks dropped, diphthongs and affricates as one phone", () => {
    expect(cmuPhonesFromIpa("k_ə_n_ˈiː_s_ɪ_s")).toBe("K AH N IY S IH S");
    expect(cmuPhonesFromIpa("p_ˈɑː_k_ɪ_t_s_f_ˌɪ_ŋ_k_s")).toBe("P AA K IH T S F IH NG K S");
    expect(cmuPhonesFromIpa("tʃ_ˈaɪ_n_ə")).toBe("CH AY N AH");
    expect(cmuPhonesFromIpa("w_ˈʊ_d_k_ʌ_ɾ_ɚ_z")).toBe("W UH D K AH T ER Z");
    // A symbol CMU has no phone for: no pronunciation rather than a wrong one.
    expect(cmuPhonesFromIpa("ʕ_a")).toBeUndefined();
    expect(cmuPhonesFromIpa("")).toBeUndefined();
  });

  it("guesses from the spelling when eSpeak NG is not there", async () => {
    expect(letterToSound("Kinesis")).toBe("K IH N EH S IH S");
    expect(letterToSound("Schiphol")).toBe("SH IH F AA L");
    expect(letterToSound("cinema")).toBe("S IH N EH M AE");
    expect(letterToSound("42")).toBeUndefined();
    expect(await pronouncer()("Kinesis")).toEqual(["K IH N EH S IH S"]);
    expect(await pronouncer()("42")).toEqual([]);
  });

  it("pronounces with the real eSpeak NG when it is given, the spelling's guess an alternate where it differs", async () => {
    const pronounce = pronouncer(await EspeakSynthesizer.load());
    expect(await pronounce("Kinesis")).toEqual(["K AH N IY S IH S", "K IH N EH S IH S"]);
    expect(await pronounce("woodcutters")).toEqual(["W UH D K AH T ER Z", "W AA D K AH T ER S"]);
    expect(await pronounce("Digium")).toEqual(["D IH JH AH M", "D IH JH IH AH M"]);
    // One pronunciation where both agree.
    expect(await pronounce("sprint")).toEqual(["S P R IH N T"]);
  });
});
