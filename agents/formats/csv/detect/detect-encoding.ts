import { TextDecoder } from 'node:util';
import { detectBom } from '../../text-decode.ts';
import { headerLanguages, type HeaderLanguage } from './header-words.ts';

/** Single-byte code pages bank CSVs are written in, most common first (the order breaks ties). */
const CODE_PAGES = ['windows-1252', 'iso-8859-15', 'windows-1250', 'iso-8859-2', 'windows-1257', 'iso-8859-13'] as const;

/** Letters each language adds to ASCII: a word is plausible when the file's language spells with them. */
const ALPHABETS: Record<HeaderLanguage | 'cs' | 'hu', string> = {
  de: 'äöüß',
  fr: 'éèêëàâîïôùûüçœÿæ',
  es: 'áéíóúñü',
  it: 'àèéìíòóùî',
  nl: 'éëïöüèáó',
  pl: 'ąćęłńóśźż',
  lt: 'ąčęėįšųūž',
  sv: 'åäöé',
  da: 'æøåé',
  fi: 'åäöšž',
  cs: 'áčďéěíňóřšťúůýž',
  hu: 'áéíóöőúüű',
};
const LETTERS = Object.fromEntries(Object.entries(ALPHABETS).map(([k, a]) => [k, new Set([...a, ...a.toUpperCase()])])) as Record<keyof typeof ALPHABETS, Set<string>>;

/** Header words with letters outside ASCII, as the banks spell them (lower case). */
const ACCENTED_HEADER_WORDS = new Set([
  'währung', 'empfänger', 'begünstigter', 'zahlungsempfänger', 'bokföringsdag', 'insättning', 'bokfört', 'beløb', 'beløp',
  'bogføringsdato', 'bokføringsdato', 'määrä', 'päivämäärä', 'kirjauspäivä', 'arvopäivä', 'débit', 'crédit', 'libellé',
  'opération', 'détail', 'bénéficiaire', 'référence', 'opéración', 'operación', 'descripción', 'księgowania', 'tytuł',
  'obciążenia', 'wpływy', 'wypływy', 'mokėjimo', 'gavėjas', 'mokėtojas', 'sąskaita', 'sąskaitos', 'aprašymas', 'įrašo',
  'částka', 'účet',
]);

export interface EncodingGuess {
  /** WHATWG label, e.g. `utf-8`, `windows-1250`. */
  encoding: string;
  bom: boolean;
  /** The head has no byte above 127, so it says nothing about the code page of the rest. */
  ascii?: boolean;
  /** Why, in words. */
  reason: string;
  /** Other code pages that read the head differently and almost as well (empty when settled). */
  rivals: string[];
}

/**
 * Finds the encoding from byte evidence first (a BOM; strict UTF-8 holding non-ASCII letters; bytes a
 * code page leaves undefined or turns into control characters) and then by language: each code page
 * decodes the head, and the one whose non-ASCII letters form words of one European alphabet, and
 * whose header cells are words the dictionary knows, wins. Code pages that decode the head to the
 * same text are not rivals: any of them reads the file the same.
 */
export function detectEncoding(head: Uint8Array): EncodingGuess {
  const bom = detectBom(head);
  if (bom !== undefined) return { encoding: bom.encoding, bom: true, reason: `the file starts with a ${bom.encoding.toUpperCase()} byte order mark`, rivals: [] };
  let nonAscii = 0;
  for (const byte of head) if (byte >= 0x80) nonAscii += 1;
  if (nonAscii === 0) {
    return { encoding: 'utf-8', bom: false, ascii: true, reason: 'the head is plain ASCII, which every code page reads the same: "auto" lets the rest of the file decide (UTF-8, else windows-1252)', rivals: [] };
  }
  try {
    // stream: a character cut at the end of the head is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return { encoding: 'utf-8', bom: false, reason: `${nonAscii} non-ASCII bytes, all valid UTF-8 sequences (a code page almost never forms them by chance)`, rivals: [] };
  } catch {
    // not UTF-8: a single-byte code page
  }
  // Only the words holding bytes above 127 tell code pages apart: each distinct one is decoded per
  // code page (a long export repeats the same few), so the cost is one pass over the bytes.
  const words = accentedWords(head);
  const languages = [...headerLanguages(new TextDecoder('windows-1252').decode(head.subarray(0, 16384)))];
  const scored = CODE_PAGES.map((encoding, order) => {
    const decoder = new TextDecoder(encoding);
    const decoded = words.map((w) => decoder.decode(w));
    return { encoding, order, text: decoded.join(' '), score: languageScore(decoded, languages) };
  });
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  const best = scored[0] ?? { encoding: 'windows-1252', text: '', score: 0, order: 0 };
  const rivals = scored.filter((s) => s !== best && s.text !== best.text && s.score >= best.score).map((s) => s.encoding);
  return {
    encoding: best.encoding,
    bom: false,
    reason: `not UTF-8; read as ${best.encoding}, whose letters make the most words of one language (score ${best.score}${scored[1] === undefined ? '' : `, next ${scored[1].encoding} ${scored[1].score}`})`,
    rivals,
  };
}

/** Byte delimiters of a word: ASCII white space, CSV delimiters, quotes, punctuation and digits. */
const WORD_BREAK = new Uint8Array(128);
for (const c of ' \t\r\n;,|"\'.:/()-0123456789') WORD_BREAK[c.charCodeAt(0)] = 1;
const MAX_WORDS = 4096;

/** The distinct words (as bytes) that hold a byte above 127, in order of first appearance. */
function accentedWords(bytes: Uint8Array): Uint8Array[] {
  const seen = new Set<string>();
  const words: Uint8Array[] = [];
  let start = 0;
  let accented = false;
  for (let i = 0; i <= bytes.length; i += 1) {
    const byte = i < bytes.length ? (bytes[i] ?? 0) : 32;
    if (byte < 128 && WORD_BREAK[byte] === 1) {
      if (accented && words.length < MAX_WORDS) {
        const word = bytes.subarray(start, i);
        const key = Buffer.from(word).toString('latin1');
        if (!seen.has(key)) {
          seen.add(key);
          words.push(word);
        }
      }
      start = i + 1;
      accented = false;
    } else if (byte >= 128) accented = true;
  }
  return words;
}

/**
 * The words the best single alphabet explains, among the alphabets of the header's language(s) (all
 * when the header names no language): "Caffè" and "Società" read as Italian in Windows-1252, as
 * "Caffč" and "Societą" in Windows-1257, which an Italian header makes implausible. A non-ASCII
 * character that is not a letter at all (a control character, `¤`, `³`, `½`) costs more.
 */
function languageScore(words: readonly string[], languages: readonly HeaderLanguage[]): number {
  const alphabets = (languages.length > 0 ? languages : (Object.keys(LETTERS) as Array<keyof typeof LETTERS>)).map((l) => LETTERS[l]);
  const explained = alphabets.map(() => 0);
  let penalty = 0;
  let accentedWords = 0;
  for (const word of words) {
    let accented = '';
    for (const ch of word) if (ch.charCodeAt(0) >= 0x80) accented += ch;
    if (accented === '') continue;
    accentedWords += 1;
    if (/[^\p{L}]/u.test(accented)) {
      penalty += 3;
      continue;
    }
    alphabets.forEach((alphabet, i) => {
      if ([...accented].every((c) => alphabet.has(c))) explained[i] = (explained[i] ?? 0) + 1;
    });
  }
  const best = Math.max(0, ...explained);
  let score = 2 * best - accentedWords - penalty;
  // Header words spelled with their own accents: folding would make "Mokëjimo" and "Mokėjimo" the same.
  for (const word of words) for (const part of word.toLowerCase().match(/\p{L}+/gu) ?? []) if (ACCENTED_HEADER_WORDS.has(part)) score += 5;
  return score;
}
