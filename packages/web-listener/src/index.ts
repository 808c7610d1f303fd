// Built by issue 3 (speaker and listener web apps).
export {};
