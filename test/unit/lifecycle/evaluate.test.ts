// Tables for evaluate: which images a policy expires and by which rule. The first group is every
// worked example on ECR's "Examples of lifecycle policies" page (2023 text with tagPrefixList,
// current text with tagPatternList) with the documented outcome; the rest are edge cases.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, lifecyclePreview, matchesTagPattern } from '../../../src/lifecycle/index.js';
import { ANY, DAY, NOW, UNTAGGED, image, keep, olderThan, patterns, policy, prefixes, rule, type Json, type TestImage } from './fixtures.js';

const MINUTE = 60_000;

interface Case {
  readonly name: string;
  readonly rules: Json[];
  readonly images: TestImage[];
  /** [image name, appliedRulePriority], oldest image first. */
  readonly expired: [string, number][];
}

// The repositories of the ECR examples.
const MULTIPLE_RULES_REPO = [
  image('A', ['beta-1', 'prod-1'], 10 * DAY),
  image('B', ['beta-2', 'prod-2'], 9 * DAY),
  image('C', ['beta-3'], 8 * DAY),
];
const MULTIPLE_TAGS_REPO_A = [
  image('A', ['alpha-1'], 12 * DAY),
  image('B', ['beta-1'], 11 * DAY),
  image('C', ['alpha-2', 'beta-2'], 10 * DAY),
  image('D', ['alpha-3'], 4 * DAY),
  image('E', ['beta-3'], 3 * DAY),
  image('F', ['alpha-4', 'beta-4'], 2 * DAY),
];
const MULTIPLE_TAGS_REPO_B = [
  image('A', ['alpha-1', 'beta-1', 'gamma-1'], 10 * DAY),
  image('B', ['alpha-2', 'beta-2'], 9 * DAY),
  image('C', ['alpha-3', 'beta-3', 'gamma-2'], 8 * DAY),
];
const ALL_IMAGES_REPO_A = [
  image('A', ['alpha-1'], 4 * DAY),
  image('B', ['beta-1'], 3 * DAY),
  image('C', [], 2 * DAY),
  image('D', ['alpha-2'], 1 * DAY),
];
const ALL_IMAGES_POLICY_B = [rule(1, prefixes('alpha'), keep(1)), rule(2, UNTAGGED, olderThan(1)), rule(3, ANY, keep(1))];
function allImagesRepoB(eAge: number): TestImage[] {
  return [
    image('A', ['alpha-1', 'beta-1'], 4 * DAY),
    image('B', [], 3 * DAY),
    image('C', ['alpha-2'], 2 * DAY),
    image('D', ['git hash'], 1 * DAY),
    image('E', [], eAge),
  ];
}

const DOC_CASES: Case[] = [
  {
    name: 'filtering on image age (2023): untagged images older than 14 days',
    rules: [rule(1, UNTAGGED, olderThan(14), 'Expire images older than 14 days')],
    images: [image('U1', [], 20 * DAY), image('U2', [], 14 * DAY), image('U3', [], 1 * DAY), image('T', ['v1'], 30 * DAY)],
    expired: [['U1', 1]],
  },
  {
    name: 'filtering on image age (current): tags matching prod* older than 14 days',
    rules: [rule(1, patterns('prod*'), olderThan(14), 'Expire images older than 14 days')],
    images: [
      image('P1', ['prod'], 15 * DAY),
      image('P2', ['prod1'], 30 * DAY),
      image('P3', ['production-team1'], 20 * DAY),
      image('P4', ['prod'], 14 * DAY),
      image('D', ['dev'], 30 * DAY),
      image('U', [], 30 * DAY),
    ],
    expired: [['P2', 1], ['P3', 1], ['P1', 1]],
  },
  {
    name: 'filtering on image count: keep one untagged image, expire all others',
    rules: [rule(1, UNTAGGED, keep(1), 'Keep only one untagged image, expire all others')],
    images: [image('U1', [], 3 * DAY), image('U2', [], 2 * DAY), image('U3', [], 1 * DAY), image('T', ['v1'], 5 * DAY)],
    expired: [['U1', 1], ['U2', 1]],
  },
  {
    name: 'multiple rules, example A (prefixes): A is expired; B is Rule 1\'s, so Rule 2 skips it',
    rules: [rule(1, prefixes('prod'), keep(1)), rule(2, prefixes('beta'), keep(1))],
    images: MULTIPLE_RULES_REPO,
    expired: [['A', 1]],
  },
  {
    name: 'multiple rules, example A (patterns prod*, beta*)',
    rules: [rule(1, patterns('prod*'), keep(1)), rule(2, patterns('beta*'), keep(1))],
    images: MULTIPLE_RULES_REPO,
    expired: [['A', 1]],
  },
  {
    name: 'multiple rules, example B (prefixes): Rule 1 takes A and B, Rule 2 sees nothing new',
    rules: [rule(1, prefixes('beta'), keep(1)), rule(2, prefixes('prod'), keep(1))],
    images: MULTIPLE_RULES_REPO,
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'multiple rules, example B (patterns beta*, prod*)',
    rules: [rule(1, patterns('beta*'), keep(1)), rule(2, patterns('prod*'), keep(1))],
    images: MULTIPLE_RULES_REPO,
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'multiple tags in one rule, example A (prefixes alpha, beta; older than 5 days): C',
    rules: [rule(1, prefixes('alpha', 'beta'), olderThan(5))],
    images: MULTIPLE_TAGS_REPO_A,
    expired: [['C', 1]],
  },
  {
    name: 'multiple tags in one rule, example A (patterns alpha*, beta*)',
    rules: [rule(1, patterns('alpha*', 'beta*'), olderThan(5))],
    images: MULTIPLE_TAGS_REPO_A,
    expired: [['C', 1]],
  },
  {
    name: 'multiple tags in one rule, example B (prefixes): tags are not exclusive, A and B',
    rules: [rule(1, prefixes('alpha', 'beta'), keep(1))],
    images: MULTIPLE_TAGS_REPO_B,
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'multiple tags in one rule, example B (patterns)',
    rules: [rule(1, patterns('alpha*', 'beta*'), keep(1))],
    images: MULTIPLE_TAGS_REPO_B,
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'all images, example A: any, keep 1 expires A, B and C',
    rules: [rule(1, ANY, keep(1))],
    images: ALL_IMAGES_REPO_A,
    expired: [['A', 1], ['B', 1], ['C', 1]],
  },
  {
    name: 'all images, example B: A (rule 1), B (rule 2), D (rule 3); E pushed a minute after D',
    rules: ALL_IMAGES_POLICY_B,
    images: allImagesRepoB(1 * DAY - MINUTE),
    expired: [['A', 1], ['B', 2], ['D', 3]],
  },
  {
    name: 'all images, example B with D and E pushed at the same instant: the tie rule keeps E',
    rules: ALL_IMAGES_POLICY_B,
    images: allImagesRepoB(1 * DAY),
    expired: [['A', 1], ['B', 2], ['D', 3]],
  },
  {
    name: 'docs: prod* matches prod, prod1 and production-team1 (not preprod)',
    rules: [rule(1, patterns('prod*'), olderThan(1))],
    images: [image('A', ['prod'], 2 * DAY), image('B', ['prod1'], 2 * DAY), image('C', ['production-team1'], 2 * DAY), image('D', ['preprod'], 2 * DAY)],
    expired: [['A', 1], ['B', 1], ['C', 1]],
  },
  {
    name: 'docs: *prod* matches repo-production and prod-team (not pro-d)',
    rules: [rule(1, patterns('*prod*'), olderThan(1))],
    images: [image('A', ['repo-production'], 3 * DAY), image('B', ['prod-team'], 2 * DAY), image('C', ['pro-d'], 2 * DAY)],
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'docs: prefix prod covers prod, prod1, prod2 (keep the newest)',
    rules: [rule(1, prefixes('prod'), keep(1))],
    images: [image('A', ['prod'], 3 * DAY), image('B', ['prod1'], 2 * DAY), image('C', ['prod2'], 1 * DAY)],
    expired: [['A', 1], ['B', 1]],
  },
];

const EDGE_CASES: Case[] = [
  // Tag matching: a conjunction over the rule's list, not over the image's tags
  {
    name: 'an image tagged prod and dev-1 IS selected by tagPrefixList [dev] (its other tags do not matter)',
    rules: [rule(1, prefixes('dev'), olderThan(1))],
    images: [image('A', ['prod', 'dev-1'], 5 * DAY), image('B', ['prod'], 5 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'the same with tagPatternList [dev-*]',
    rules: [rule(1, patterns('dev-*'), olderThan(1))],
    images: [image('A', ['prod', 'dev-1'], 5 * DAY), image('B', ['prod'], 5 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'an image with 100 tags, one of them matching',
    rules: [rule(1, prefixes('release-'), keep(1))],
    images: [image('A', [...Array.from({ length: 99 }, (_, i) => `build-${i}`), 'release-1'], 3 * DAY), image('B', ['release-2'], 1 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'three prefixes met by three different tags',
    rules: [rule(1, prefixes('a', 'b', 'c'), olderThan(1))],
    images: [image('A', ['c3', 'x', 'a1', 'b2'], 2 * DAY), image('B', ['a1', 'b2'], 2 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'one tag may meet several prefixes of the list',
    rules: [rule(1, prefixes('al', 'alpha'), olderThan(1))],
    images: [image('A', ['alpha-1'], 2 * DAY), image('B', ['al-1'], 2 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'several patterns met by one tag or by two',
    rules: [rule(1, patterns('*-amd64', 'v*'), olderThan(1))],
    images: [image('A', ['v1-amd64'], 4 * DAY), image('B', ['v1', 'x-amd64'], 3 * DAY), image('C', ['v1'], 2 * DAY), image('D', ['x-amd64'], 2 * DAY)],
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'a tag equal to the prefix matches; a prefix longer than the tag does not',
    rules: [rule(1, prefixes('prod'), olderThan(1)), rule(2, prefixes('production'), olderThan(1))],
    images: [image('A', ['prod'], 2 * DAY), image('B', ['production'], 2 * DAY), image('C', ['pro'], 2 * DAY)],
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'an empty prefix selects every tagged image, no untagged one',
    rules: [rule(1, prefixes(''), keep(1))],
    images: [image('A', ['x'], 3 * DAY), image('B', [], 2 * DAY), image('C', ['y'], 1 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'prefixes are literal text: v1. does not match v102',
    rules: [rule(1, prefixes('v1.'), olderThan(1))],
    images: [image('A', ['v1.2'], 2 * DAY), image('B', ['v102'], 2 * DAY)],
    expired: [['A', 1]],
  },
  // Wildcards
  {
    name: 'a leading * (*-rc): the end of the tag must match',
    rules: [rule(1, patterns('*-rc'), olderThan(1))],
    images: [image('A', ['1.0-rc'], 2 * DAY), image('B', ['-rc'], 2 * DAY), image('C', ['1.0-rc1'], 2 * DAY)],
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'a * in the middle (v*-rc)',
    rules: [rule(1, patterns('v*-rc'), olderThan(1))],
    images: [image('A', ['v1.0-rc'], 2 * DAY), image('B', ['v-rc'], 2 * DAY), image('C', ['v1.0-rc2'], 2 * DAY), image('D', ['xv1-rc'], 2 * DAY)],
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'a trailing * (v1.*): . is literal',
    rules: [rule(1, patterns('v1.*'), olderThan(1))],
    images: [image('A', ['v1.2'], 2 * DAY), image('B', ['v1.'], 2 * DAY), image('C', ['v10'], 2 * DAY), image('D', ['v1x2'], 2 * DAY)],
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'no * means the exact tag',
    rules: [rule(1, patterns('latest'), olderThan(1))],
    images: [image('A', ['latest'], 2 * DAY), image('B', ['latest2'], 2 * DAY), image('C', ['old-latest'], 2 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'a lone * selects every tagged image, no untagged one',
    rules: [rule(1, patterns('*'), olderThan(1))],
    images: [image('A', ['anything'], 2 * DAY), image('B', [], 2 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'several * (*a*b*): pieces in order, possibly empty runs between',
    rules: [rule(1, patterns('*a*b*'), olderThan(1))],
    images: [image('A', ['xaybz'], 2 * DAY), image('B', ['ab'], 2 * DAY), image('C', ['ba'], 2 * DAY)],
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'four * (the limit): *1*2*3*4',
    rules: [rule(1, patterns('*1*2*3*4'), olderThan(1))],
    images: [image('A', ['v1.2.3-4'], 2 * DAY), image('B', ['1234'], 2 * DAY), image('C', ['4321'], 2 * DAY), image('D', ['1-2-3-4-5'], 2 * DAY)],
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'a piece must not overlap the end: a*ab does not match "ab"',
    rules: [rule(1, patterns('a*ab'), olderThan(1))],
    images: [image('A', ['ab'], 2 * DAY), image('B', ['aab'], 2 * DAY)],
    expired: [['B', 1]],
  },
  {
    name: 'prefixes are case-sensitive',
    rules: [rule(1, prefixes('Prod'), olderThan(1))],
    images: [image('A', ['prod-1'], 2 * DAY), image('B', ['Prod-1'], 2 * DAY), image('C', ['PROD-1'], 2 * DAY)],
    expired: [['B', 1]],
  },
  {
    name: 'patterns are case-sensitive',
    rules: [rule(1, patterns('PROD*'), olderThan(1))],
    images: [image('A', ['prod'], 2 * DAY), image('B', ['PROD'], 2 * DAY), image('C', ['Prod'], 2 * DAY)],
    expired: [['B', 1]],
  },
  // Counting
  {
    name: 'no images',
    rules: [rule(1, ANY, keep(1))],
    images: [],
    expired: [],
  },
  {
    name: 'exactly N images with imageCountMoreThan N: none expire',
    rules: [rule(1, ANY, keep(3))],
    images: [image('A', [], 3 * DAY), image('B', ['x'], 2 * DAY), image('C', [], 1 * DAY)],
    expired: [],
  },
  {
    name: 'N + 1 images: the oldest expires',
    rules: [rule(1, ANY, keep(3))],
    images: [image('A', [], 4 * DAY), image('B', [], 3 * DAY), image('C', ['x'], 2 * DAY), image('D', [], 1 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'a count larger than the repository',
    rules: [rule(1, ANY, keep(1000))],
    images: [image('A', [], 400 * DAY), image('B', [], 300 * DAY)],
    expired: [],
  },
  {
    name: 'ten images, keep 1: nine go, oldest first',
    rules: [rule(1, prefixes('b'), keep(1))],
    images: Array.from({ length: 10 }, (_, i) => image(`I${i}`, [`b${i}`], (10 - i) * DAY)),
    expired: Array.from({ length: 9 }, (_, i): [string, number] => [`I${i}`, 1]),
  },
  {
    name: 'equal push times, keep 1 of 3: the greater digest counts as newer',
    rules: [rule(1, UNTAGGED, keep(1))],
    images: [image('B', [], 2 * DAY), image('C', [], 2 * DAY), image('A', [], 2 * DAY)],
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'equal push times among older images only matter for the cut',
    rules: [rule(1, UNTAGGED, keep(2))],
    images: [image('A', [], 5 * DAY), image('Z', [], 5 * DAY), image('M', [], 1 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'an untagged rule counts only untagged images',
    rules: [rule(1, UNTAGGED, keep(1))],
    images: [image('A', [], 4 * DAY), image('T1', ['x'], 3 * DAY), image('B', [], 2 * DAY), image('T2', ['y'], 1 * DAY)],
    expired: [['A', 1]],
  },
  {
    name: 'a tagged rule counts only images it selects, not a newer untagged one',
    rules: [rule(1, prefixes('v'), keep(1))],
    images: [image('A', ['v1'], 3 * DAY), image('B', ['v2'], 2 * DAY), image('U', [], 1 * DAY)],
    expired: [['A', 1]],
  },
  // Age
  {
    name: 'pushed exactly N days ago: kept ("older than" is strict)',
    rules: [rule(1, ANY, olderThan(7))],
    images: [image('A', [], 7 * DAY)],
    expired: [],
  },
  {
    name: 'pushed N days and 1 ms ago: expired',
    rules: [rule(1, ANY, olderThan(7))],
    images: [image('A', [], 7 * DAY + 1), image('B', [], 7 * DAY - 1)],
    expired: [['A', 1]],
  },
  {
    name: 'pushed in the future (clock skew): kept',
    rules: [rule(1, ANY, olderThan(1))],
    images: [image('A', [], -5 * DAY)],
    expired: [],
  },
  {
    name: 'a very long age limit',
    rules: [rule(1, UNTAGGED, olderThan(3650))],
    images: [image('A', [], 3651 * DAY), image('B', [], 3649 * DAY)],
    expired: [['A', 1]],
  },
  // Priority and claiming
  {
    name: 'rules listed in reverse still apply by priority (multiple rules example B)',
    rules: [rule(2, prefixes('prod'), keep(1)), rule(1, prefixes('beta'), keep(1))],
    images: MULTIPLE_RULES_REPO,
    expired: [['A', 1], ['B', 1]],
  },
  {
    name: 'non-sequential priorities behave like 1 and 2 (multiple rules example A)',
    rules: [rule(10, prefixes('prod'), keep(1)), rule(200, prefixes('beta'), keep(1))],
    images: MULTIPLE_RULES_REPO,
    expired: [['A', 10]],
  },
  {
    name: 'an image a higher rule keeps by count is out of reach of a lower age rule',
    rules: [rule(1, prefixes('release'), keep(10)), rule(2, ANY, olderThan(30))],
    images: [image('R', ['release-1'], 100 * DAY), image('O', ['feature-x'], 100 * DAY), image('U', [], 40 * DAY), image('N', [], 1 * DAY)],
    expired: [['O', 2], ['U', 2]],
  },
  {
    name: 'an image a higher rule keeps by age is out of reach of a lower count rule',
    rules: [rule(1, patterns('keep-*'), olderThan(365)), rule(2, ANY, keep(1))],
    images: [image('K', ['keep-me'], 100 * DAY), image('X', ['x'], 50 * DAY), image('Y', ['y'], 1 * DAY)],
    expired: [['X', 2]],
  },
  {
    name: 'images a higher rule kept still use up places in a lower count',
    rules: [rule(1, prefixes('prod'), keep(5)), rule(2, ANY, keep(1))],
    images: [image('D2', ['dev-2'], 3 * DAY), image('D1', ['dev-1'], 2 * DAY), image('P', ['prod-1'], 1 * DAY)],
    expired: [['D2', 2], ['D1', 2]],
  },
  {
    name: 'images a higher rule expired are still counted by a lower rule',
    rules: [rule(1, prefixes('tmp'), keep(1)), rule(2, ANY, keep(2))],
    images: [image('U2', [], 5 * DAY), image('U1', [], 4 * DAY), image('T2', ['tmp-2'], 3 * DAY), image('T1', ['tmp-1'], 2 * DAY)],
    expired: [['U2', 2], ['U1', 2], ['T2', 1]],
  },
  {
    name: 'untagged rule then any rule: the any rule cannot touch untagged images',
    rules: [rule(1, UNTAGGED, keep(1)), rule(2, ANY, keep(2))],
    images: [image('U1', [], 5 * DAY), image('U2', [], 4 * DAY), image('U3', [], 3 * DAY), image('T1', ['a'], 2 * DAY), image('T2', ['b'], 1 * DAY)],
    expired: [['U1', 1], ['U2', 1]],
  },
  {
    name: 'an untagged image the untagged rule keeps by age still takes a place in the any rule',
    rules: [rule(1, UNTAGGED, olderThan(10)), rule(2, ANY, keep(1))],
    images: [image('T1', ['a'], 3 * DAY), image('T2', ['b'], 2 * DAY), image('U', [], 1 * DAY)],
    expired: [['T1', 2], ['T2', 2]],
  },
  {
    name: 'a rule that selects nothing claims nothing',
    rules: [rule(1, prefixes('nope'), keep(1)), rule(2, ANY, keep(1))],
    images: [image('A', ['x'], 2 * DAY), image('B', ['y'], 1 * DAY)],
    expired: [['A', 2]],
  },
  {
    name: 'two tagged rules by age: the first claims its tags, the second gets the rest',
    rules: [rule(1, patterns('v*'), olderThan(30)), rule(2, patterns('*'), olderThan(7))],
    images: [image('A', ['v1'], 20 * DAY), image('B', ['feat'], 20 * DAY), image('C', ['v0', 'feat-old'], 40 * DAY)],
    expired: [['C', 1], ['B', 2]],
  },
  {
    name: 'a tagged, an untagged and an any rule over a mixed repository',
    rules: [rule(1, prefixes('prod'), keep(2)), rule(2, UNTAGGED, olderThan(3)), rule(3, ANY, olderThan(30))],
    images: [
      image('P1', ['prod-1'], 90 * DAY),
      image('P2', ['prod-2'], 60 * DAY),
      image('P3', ['prod-3'], 45 * DAY),
      image('U1', [], 10 * DAY),
      image('U2', [], 2 * DAY),
      image('F1', ['feat-1'], 35 * DAY),
      image('F2', ['feat-2'], 20 * DAY),
    ],
    expired: [['P1', 1], ['F1', 3], ['U1', 2]],
  },
  {
    name: 'the "rule writer" pattern: a huge count protects stable images from the next rule',
    rules: [rule(10, prefixes('16.'), keep(9999), 'Keep Stable Images'), rule(20, prefixes('16_'), keep(2), 'Delete Old Unstable Images')],
    images: [image('X', ['16.1', '16_0'], 50 * DAY), image('S', ['16.0'], 40 * DAY), image('U1', ['16_1'], 3 * DAY), image('U2', ['16_2'], 2 * DAY), image('U3', ['16_3'], 1 * DAY)],
    expired: [['U1', 20]],
  },
  {
    name: 'one pattern rule listing latest and main needs both tags on one image',
    rules: [rule(1, patterns('latest', 'main'), keep(1))],
    images: [image('A', ['main'], 3 * DAY), image('B', ['latest', 'main-2'], 2 * DAY), image('C', ['latest', 'main'], 4 * DAY), image('D', ['main', 'latest'], 1 * DAY)],
    expired: [['C', 1]],
  },
  {
    name: 'a rule per kept tag, then an any rule by age',
    rules: [rule(1, patterns('latest'), keep(1)), rule(2, patterns('main'), keep(1)), rule(3, ANY, olderThan(60))],
    images: [
      image('L', ['latest'], 200 * DAY),
      image('M2', ['main'], 120 * DAY),
      image('M', ['main'], 100 * DAY),
      image('O', ['other'], 90 * DAY),
      image('U', [], 61 * DAY),
      image('N', ['other-new'], 10 * DAY),
    ],
    expired: [['M2', 2], ['O', 3], ['U', 3]],
  },
  {
    name: 'the highest possible priority for the any rule',
    rules: [rule(1, UNTAGGED, keep(1)), rule(2147483647, ANY, keep(1))],
    images: [image('U1', [], 3 * DAY), image('U2', [], 2 * DAY), image('T1', ['a'], 4 * DAY), image('T2', ['b'], 1 * DAY)],
    expired: [['T1', 2147483647], ['U1', 1]],
  },
  {
    name: '50 rules, one per prefix, each keeping the newest of its images',
    rules: Array.from({ length: 50 }, (_, i) => rule(i + 1, prefixes(`app${String(i).padStart(2, '0')}-`), keep(1))),
    images: [image('A', ['app07-1'], 3 * DAY), image('B', ['app07-2'], 2 * DAY), image('C', ['app49-1'], 5 * DAY), image('D', ['app49-2'], 1 * DAY), image('E', ['app50-1'], 9 * DAY)],
    expired: [['C', 50], ['A', 8]],
  },
  // Images an index refers to
  {
    name: 'an image an index refers to is not expired, and no other image goes in its place',
    rules: [rule(1, UNTAGGED, keep(1))],
    images: [image('C', [], 3 * DAY, { referencedByManifestList: true }), image('U1', [], 2 * DAY), image('U2', [], 1 * DAY)],
    expired: [['U1', 1]],
  },
  {
    name: 'an image an index refers to still takes a place in the count',
    rules: [rule(1, UNTAGGED, keep(1))],
    images: [image('C', [], 1 * DAY, { referencedByManifestList: true }), image('U1', [], 2 * DAY), image('U2', [], 3 * DAY)],
    expired: [['U2', 1], ['U1', 1]],
  },
  {
    name: 'an image an index refers to survives an age rule, and stays claimed',
    rules: [rule(1, UNTAGGED, olderThan(1)), rule(2, ANY, olderThan(1))],
    images: [image('C', [], 30 * DAY, { referencedByManifestList: true }), image('T', ['x'], 30 * DAY)],
    expired: [['T', 2]],
  },
];

function names(images: readonly TestImage[]): string[] {
  return images.map((i) => i.name);
}

function check({ rules, images, expired }: Case): void {
  const result = evaluate(policy(...rules), images, NOW);
  assert.deepEqual(
    result.expired.map((e): [string, number] => [e.image.name, e.rule.rulePriority]),
    expired,
  );
  const expiredNames = new Set(expired.map(([name]) => name));
  const keptExpected = [...images]
    .filter((i) => !expiredNames.has(i.name))
    .sort((a, b) => a.pushedAt - b.pushedAt || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  assert.deepEqual(names(result.kept), names(keptExpected), 'kept: every other image, oldest first');
}

describe('evaluate: the worked examples in the ECR documentation', () => {
  for (const c of DOC_CASES) it(c.name, () => check(c));
});

describe('evaluate: edge cases', () => {
  for (const c of EDGE_CASES) it(c.name, () => check(c));
});

describe('evaluate: properties', () => {
  it('does not depend on the order the images are listed in', () => {
    const p = policy(...ALL_IMAGES_POLICY_B);
    const images = allImagesRepoB(1 * DAY);
    const forward = evaluate(p, images, NOW);
    const backward = evaluate(p, [...images].reverse(), NOW);
    const rotated = evaluate(p, [...images.slice(2), ...images.slice(0, 2)], NOW);
    for (const other of [backward, rotated]) {
      assert.deepEqual(names(other.expired.map((e) => e.image)), names(forward.expired.map((e) => e.image)));
      assert.deepEqual(names(other.kept), names(forward.kept));
    }
  });

  it('passes the caller\'s image objects through untouched', () => {
    const rich = [{ ...image('A', [], 3 * DAY), repository: 'team/app' }, { ...image('B', [], 1 * DAY), repository: 'team/app' }];
    const result = evaluate(policy(rule(1, UNTAGGED, keep(1))), rich, NOW);
    assert.equal(result.expired[0]?.image, rich[0]);
    assert.equal(result.expired[0]?.image.repository, 'team/app');
    assert.equal(result.kept[0], rich[1]);
  });

  it('is repeatable: the same input gives the same answer, and the input is not modified', () => {
    const images = [...MULTIPLE_TAGS_REPO_A];
    const p = policy(rule(1, prefixes('alpha', 'beta'), olderThan(5)));
    const first = evaluate(p, images, NOW);
    assert.deepEqual(names(images), names(MULTIPLE_TAGS_REPO_A));
    assert.deepEqual(evaluate(p, images, NOW), first);
  });

  it('moves images into the expired list as time passes', () => {
    const p = policy(rule(1, patterns('prod*'), olderThan(14)));
    const images = [image('A', ['prod-1'], 10 * DAY)];
    assert.equal(evaluate(p, images, NOW).expired.length, 0);
    assert.equal(evaluate(p, images, NOW + 4 * DAY).expired.length, 0);
    assert.equal(evaluate(p, images, NOW + 4 * DAY + 1).expired.length, 1);
  });
});

describe('lifecyclePreview', () => {
  it('reports expiring images as GetLifecyclePolicyPreview does, with their sizes', () => {
    const images = [
      image('A', ['alpha-1', 'beta-1'], 4 * DAY, { imageSizeInBytes: 1000 }),
      image('B', [], 3 * DAY, { imageSizeInBytes: 2000 }),
      image('C', ['alpha-2'], 2 * DAY, { imageSizeInBytes: 3000 }),
      image('D', ['git hash'], 1 * DAY),
      image('E', [], 1 * DAY - MINUTE, { imageSizeInBytes: 5000 }),
    ];
    const preview = lifecyclePreview(evaluate(policy(...ALL_IMAGES_POLICY_B), images, NOW));
    assert.deepEqual(preview, {
      previewResults: [
        { imageDigest: 'sha256:A', imageTags: ['alpha-1', 'beta-1'], imagePushedAt: NOW - 4 * DAY, action: { type: 'EXPIRE' }, appliedRulePriority: 1, imageSizeInBytes: 1000 },
        { imageDigest: 'sha256:B', imageTags: [], imagePushedAt: NOW - 3 * DAY, action: { type: 'EXPIRE' }, appliedRulePriority: 2, imageSizeInBytes: 2000 },
        { imageDigest: 'sha256:D', imageTags: ['git hash'], imagePushedAt: NOW - 1 * DAY, action: { type: 'EXPIRE' }, appliedRulePriority: 3 },
      ],
      summary: { expiringImageTotalCount: 3 },
    });
  });

  it('is empty when nothing expires', () => {
    assert.deepEqual(lifecyclePreview(evaluate(policy(rule(1, ANY, keep(10))), [image('A', [], DAY)], NOW)), {
      previewResults: [],
      summary: { expiringImageTotalCount: 0 },
    });
  });
});

describe('matchesTagPattern', () => {
  const CASES: [pattern: string, tag: string, expected: boolean][] = [
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['**', 'x', true],
    ['a**b', 'ab', true],
    ['*x*y*z', 'xxyyz', true],
    ['*x*y*z', 'zyx', false],
    ['?', 'a', false],
    ['v[0-9]', 'v1', false],
    ['v[0-9]', 'v[0-9]', true],
  ];
  for (const [pattern, tag, expected] of CASES) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(tag)}`, () => {
      assert.equal(matchesTagPattern(pattern, tag), expected);
    });
  }

  it('stays linear on patterns that make a backtracking regex explode', () => {
    const started = performance.now();
    assert.equal(matchesTagPattern('*a*a*a*b', 'a'.repeat(100_000)), false);
    assert.ok(performance.now() - started < 500);
  });
});
