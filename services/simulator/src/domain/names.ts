/**
 * Street and place names for a generated city: invented words from syllables, so a synthetic city
 * never borrows a real one's names (and nobody mistakes it for one).
 */

const ONSETS = [
  'b',
  'br',
  'c',
  'd',
  'f',
  'g',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  'st',
  't',
  'th',
  'v',
  'w',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou'];
const CODAS = ['', 'n', 'r', 'l', 'm', 'nd', 'rt', 'ck', 'st', 'ld', 'th'];
const ENDINGS = [
  'ton',
  'ford',
  'field',
  'wick',
  'mere',
  'dale',
  'by',
  'stead',
  'ham',
  'well',
  'more',
  'ridge',
];

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** An invented word such as "Brairford", capitalised. Distinct calls may repeat; see `uniqueNames`. */
export function inventName(random: () => number): string {
  const syllables = 1 + Math.floor(random() * 2);
  let word = '';
  for (let i = 0; i < syllables; i++)
    word += pick(ONSETS, random) + pick(VOWELS, random) + pick(CODAS, random);
  word += pick(ENDINGS, random);
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** `count` distinct invented names. */
export function uniqueNames(count: number, random: () => number): string[] {
  const names = new Set<string>();
  let attempts = 0;
  while (names.size < count) {
    let name = inventName(random);
    // Large cities need more names than short words give; a numbered suffix keeps them distinct.
    if (++attempts > count * 20) name = `${name} ${names.size + 1}`;
    names.add(name);
  }
  return [...names];
}
