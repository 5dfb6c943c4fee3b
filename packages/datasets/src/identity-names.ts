/**
 * Person names across datasets: is this CFP / CelebA / web name an LFW person?
 *
 * Training data must never hold an LFW identity, and datasets spell names differently:
 * CFP writes "Lebron James" and "Queen Elizabeth Ii" where LFW writes `LeBron_James` and
 * `Queen_Elizabeth_II`, drops or adds middle names ("Luiz Lula Da Silva" against
 * `Luiz_Inacio_Lula_da_Silva`) and has typos ("Robert Do Niro"). {@link createLfwNameMatcher}
 * compares names in four steps, the first that matches wins:
 *
 * 1. `exact`: the name with spaces read as underscores is an LFW name;
 * 2. `folded`: both are equal after {@link foldIdentityName} (case, accents, punctuation);
 * 3. `alias`: the folded name is in {@link LFW_NAME_ALIASES}, a reviewed list;
 * 4. `first-last`: the tokens of one folded name (at least two) appear in order in the other,
 *    and both begin with the same token and end with the same token ("george bush" and
 *    "george w bush", "diego maradona" and "diego armando maradona"). This is the loose
 *    rule: it also pairs different people who share a first and a last name around a middle
 *    name (within LFW itself: Brad_Smith / Brad_Alexander_Smith, Michael_Sheehan /
 *    Michael_J_Sheehan, Omar_Sharif / Omar_Khan_Sharif, Robin_Williams /
 *    Robin_McLaurin_Williams). For keeping LFW people out of training data a false
 *    positive only costs one training identity, so it is on; every match says which rule
 *    made it (`reason`), so callers can list the loose ones for review.
 *
 * Pure text: usable in the browser.
 */

/** Letters that NFKD does not decompose into a base letter plus marks. */
const LETTER_FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  þ: 'th',
  ı: 'i',
};
const LETTER_FOLD_RE = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'gu');

/**
 * A name folded for comparison: NFKD with combining marks removed ("José" → "jose"), lower
 * case, a few letters NFKD keeps (ß, æ, œ, ø, đ, ð, ł, þ, ı) spelt out in ASCII, and every
 * run of anything that is not a letter or a digit (spaces, underscores, hyphens, dots,
 * apostrophes, commas, …) turned into one space, trimmed.
 *
 * "Queen_Elizabeth_II" → "queen elizabeth ii", "José María Aznar" → "jose maria aznar",
 * "O'Neill" → "o neill", "Kim_Jong-Il" → "kim jong il".
 */
export function foldIdentityName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(LETTER_FOLD_RE, (c) => LETTER_FOLDS[c]!)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** One reviewed alias: a folded spelling that is not LFW's, and the folded LFW name(s) it denotes. */
export interface LfwNameAlias {
  /** The other spelling, folded (`foldIdentityName` of it is itself). */
  readonly name: string;
  /** The LFW names it denotes, folded; all of them are in LFW's `lfw-names.txt`. */
  readonly lfw: readonly string[];
  /** Why, in one line (for review). */
  readonly reason: string;
}

/**
 * Spellings of LFW people that folding alone does not reconcile (the tests check that each
 * entry is folded and, with the real data present, that every target is in `lfw-names.txt`).
 * Add an entry only with its reason; the first-last rule already covers a dropped middle
 * name, but aliases are exact and take precedence, so the known cases are listed here.
 */
export const LFW_NAME_ALIASES: readonly LfwNameAlias[] = [
  { name: 'luiz lula da silva', lfw: ['luiz inacio lula da silva'], reason: "CFP's spelling of Brazil's president, without his middle name Inácio" },
  { name: 'lula da silva', lfw: ['luiz inacio lula da silva'], reason: 'the usual short form of the same name; it lacks his first name, so the first-last rule misses it' },
  {
    name: 'cristina fernandez de kirchner',
    lfw: ['cristina fernandez', 'cristina kirchner'],
    reason: "CFP's full name of Argentina's president; LFW files her under two names, Cristina_Fernandez (2 images) and Cristina_Kirchner (1)",
  },
  { name: 'robert do niro', lfw: ['robert de niro'], reason: "CFP's typo for Robert De Niro" },
  {
    name: 'george bush',
    lfw: ['george w bush', 'george hw bush'],
    reason: 'either President Bush; both are LFW people (George_W_Bush 530 images, George_HW_Bush 13), so the name is an LFW identity either way',
  },
  { name: 'george h w bush', lfw: ['george hw bush'], reason: '"George H. W. Bush" folds to two initials where LFW writes George_HW_Bush' },
  { name: 'diego maradona', lfw: ['diego armando maradona'], reason: 'LFW spells him with his middle name, Diego_Armando_Maradona' },
  { name: 'queen elizabeth', lfw: ['queen elizabeth ii'], reason: 'the usual name of Queen_Elizabeth_II; the first-last rule misses it (last tokens "elizabeth" and "ii")' },
];

/** Which step of the matcher matched (see the module comment). */
export type LfwNameRule = 'exact' | 'folded' | 'alias' | 'first-last';

export interface LfwNameMatch {
  /** The name asked about, as given. */
  readonly name: string;
  /** The first LFW name it matched, spelt as in the LFW list (what `match` returns). */
  readonly lfwName: string;
  /** Every LFW name it matched, in the LFW list's order (alias targets in the alias's order). */
  readonly lfwNames: readonly string[];
  readonly rule: LfwNameRule;
  /** One line: the rule and, for an alias, its reason. */
  readonly why: string;
}

export interface LfwNameMatcher {
  /** The LFW name (as spelt in the LFW list) that `name` denotes, or undefined. */
  match(name: string): string | undefined;
  /** The whole match: every LFW name, the rule and why; undefined when `name` is not an LFW person. */
  reason(name: string): LfwNameMatch | undefined;
}

/** True when every token of `short` appears in `long`, in order. */
function isSubsequence(short: readonly string[], long: readonly string[]): boolean {
  let j = 0;
  for (const token of short) {
    while (j < long.length && long[j] !== token) j++;
    if (j === long.length) return false;
    j++;
  }
  return true;
}

/**
 * A matcher against LFW's names (`George_W_Bush`, … as in `lfw-names.txt` without the image
 * counts; any spelling works, each is folded). Steps: exact, folded, {@link LFW_NAME_ALIASES},
 * then the first-last rule (see the module comment).
 */
export function createLfwNameMatcher(lfwNames: Iterable<string>, options: { aliases?: readonly LfwNameAlias[] } = {}): LfwNameMatcher {
  const { aliases = LFW_NAME_ALIASES } = options;
  const exact = new Set<string>();
  const byFolded = new Map<string, string[]>();
  /** "first last" → LFW names with those end tokens, and their tokens. */
  const byEnds = new Map<string, { lfwName: string; tokens: string[] }[]>();
  for (const raw of lfwNames) {
    const lfwName = raw.trim();
    if (lfwName === '' || exact.has(lfwName)) continue;
    exact.add(lfwName);
    const folded = foldIdentityName(lfwName);
    if (folded === '') continue;
    const list = byFolded.get(folded);
    if (list) list.push(lfwName);
    else byFolded.set(folded, [lfwName]);
    const tokens = folded.split(' ');
    if (tokens.length < 2) continue;
    const key = `${tokens[0]} ${tokens.at(-1)}`;
    const ends = byEnds.get(key);
    if (ends) ends.push({ lfwName, tokens });
    else byEnds.set(key, [{ lfwName, tokens }]);
  }
  const aliasByName = new Map<string, LfwNameAlias>();
  for (const a of aliases) aliasByName.set(a.name, a);

  const reason = (name: string): LfwNameMatch | undefined => {
    const made = (lfwNames: string[], rule: LfwNameRule, why: string): LfwNameMatch => ({ name, lfwName: lfwNames[0]!, lfwNames, rule, why });
    const underscored = name.trim().replace(/\s+/g, '_');
    if (exact.has(underscored)) return made([underscored], 'exact', `exact: ${underscored} is an LFW name`);
    const folded = foldIdentityName(name);
    if (folded === '') return undefined;
    const same = byFolded.get(folded);
    if (same) return made([...same], 'folded', `folded: "${folded}" is ${same.join(', ')} folded`);
    const alias = aliasByName.get(folded);
    if (alias) {
      const targets = alias.lfw.flatMap((f) => byFolded.get(f) ?? []);
      if (targets.length > 0) return made(targets, 'alias', `alias: "${folded}" → ${targets.join(', ')} (${alias.reason})`);
    }
    const tokens = folded.split(' ');
    if (tokens.length >= 2) {
      const candidates = byEnds.get(`${tokens[0]} ${tokens.at(-1)}`) ?? [];
      const hits = candidates
        .filter((c) => (c.tokens.length < tokens.length ? isSubsequence(c.tokens, tokens) : isSubsequence(tokens, c.tokens)))
        .map((c) => c.lfwName);
      if (hits.length > 0) {
        return made(hits, 'first-last', `first-last: "${folded}" and ${hits.join(', ')} share the first and last token, one's tokens within the other's (loose rule: check it)`);
      }
    }
    return undefined;
  };
  return { match: (name) => reason(name)?.lfwName, reason };
}
