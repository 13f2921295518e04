// Tables for parseLifecyclePolicy: the policies ECR accepts (and the compact text it returns for
// them), and every way a policy can be wrong, by a fragment of the message the user sees.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  LifecyclePolicyError,
  MAX_POLICY_TEXT_LENGTH,
  canonicalLifecyclePolicyText,
  parseLifecyclePolicy,
  serializeLifecyclePolicy,
} from '../../../src/lifecycle/index.js';
import { ANY, UNTAGGED, keep, olderThan, patterns, policyText, prefixes, rule, type Json } from './fixtures.js';

const EXPIRE = { type: 'expire' };

/** Pads with trailing whitespace (which JSON ignores) to an exact length. */
function padTo(text: string, length: number): string {
  return text + ' '.repeat(length - text.length);
}

/** A single-rule policy whose rule is `base` with some members replaced or (undefined) removed. */
function withRule(changes: Json, base: Json = rule(1, UNTAGGED, keep(1))): string {
  const merged: Json = { ...base, ...changes };
  for (const key of Object.keys(changes)) if (changes[key] === undefined) delete merged[key];
  return JSON.stringify({ rules: [merged] });
}

/** A single-rule policy whose selection is replaced. */
function withSelection(selection: Json): string {
  return withRule({ selection });
}

const DOC_AGE_2023 = `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Expire images older than 14 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14
            },
            "action": {
                "type": "expire"
            }
        }
    ]
}`;

describe('parseLifecyclePolicy accepts, and re-serialises compactly', () => {
  const CASES: [name: string, text: string, canonical: string][] = [
    [
      'ECR docs, filtering on image age (2023): the compact text is what the AWS CLI example shows',
      DOC_AGE_2023,
      '{"rules":[{"rulePriority":1,"description":"Expire images older than 14 days","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}',
    ],
    [
      'ECR docs, filtering on image age (current): tagPatternList prod*',
      policyText(rule(1, patterns('prod*'), olderThan(14), 'Expire images older than 14 days')),
      '{"rules":[{"rulePriority":1,"description":"Expire images older than 14 days","selection":{"tagStatus":"tagged","tagPatternList":["prod*"],"countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}',
    ],
    [
      'ECR docs, filtering on image count: keep one untagged image',
      policyText(rule(1, UNTAGGED, keep(1), 'Keep only one untagged image, expire all others')),
      '{"rules":[{"rulePriority":1,"description":"Keep only one untagged image, expire all others","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}',
    ],
    [
      'ECR docs, multiple rules example A (prefixes)',
      policyText(rule(1, prefixes('prod'), keep(1)), rule(2, prefixes('beta'), keep(1))),
      '{"rules":[{"rulePriority":1,"description":"Rule 1","selection":{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"description":"Rule 2","selection":{"tagStatus":"tagged","tagPrefixList":["beta"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}',
    ],
    [
      'ECR docs, multiple rules example A (patterns, current docs)',
      policyText(rule(1, patterns('prod*'), keep(1)), rule(2, patterns('beta*'), keep(1))),
      '{"rules":[{"rulePriority":1,"description":"Rule 1","selection":{"tagStatus":"tagged","tagPatternList":["prod*"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"description":"Rule 2","selection":{"tagStatus":"tagged","tagPatternList":["beta*"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}',
    ],
    [
      'ECR docs, multiple tags in one rule: countNumber written before countUnit comes back after it',
      JSON.stringify({ rules: [{ rulePriority: 1, description: 'Rule 1', selection: { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'], countType: 'sinceImagePushed', countNumber: 5, countUnit: 'days' }, action: EXPIRE }] }),
      '{"rules":[{"rulePriority":1,"description":"Rule 1","selection":{"tagStatus":"tagged","tagPrefixList":["alpha","beta"],"countType":"sinceImagePushed","countUnit":"days","countNumber":5},"action":{"type":"expire"}}]}',
    ],
    [
      'ECR docs, all images example B: tagged, untagged and any rules together',
      policyText(rule(1, prefixes('alpha'), keep(1)), rule(2, UNTAGGED, olderThan(1)), rule(3, ANY, keep(1))),
      '{"rules":[{"rulePriority":1,"description":"Rule 1","selection":{"tagStatus":"tagged","tagPrefixList":["alpha"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"description":"Rule 2","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}},{"rulePriority":3,"description":"Rule 3","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}',
    ],
    [
      "ECR docs' valid wildcard example: four `*` in each pattern",
      policyText(rule(1, patterns('*test*1*2*3', 'test*1*2*3*'), keep(5))),
      '{"rules":[{"rulePriority":1,"description":"Rule 1","selection":{"tagStatus":"tagged","tagPatternList":["*test*1*2*3","test*1*2*3*"],"countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}',
    ],
    [
      'priorities need not be sequential; the any rule has the highest',
      policyText(rule(10, UNTAGGED, keep(1), 'a'), rule(25, prefixes('v'), keep(3), 'b'), rule(300, ANY, olderThan(90), 'c')),
      '{"rules":[{"rulePriority":10,"description":"a","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":25,"description":"b","selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}},{"rulePriority":300,"description":"c","selection":{"tagStatus":"any","countType":"sinceImagePushed","countUnit":"days","countNumber":90},"action":{"type":"expire"}}]}',
    ],
    [
      'rules listed out of priority order stay in the order given',
      policyText(rule(9, ANY, keep(20), 'last'), rule(1, prefixes('prod'), keep(10), 'first')),
      '{"rules":[{"rulePriority":9,"description":"last","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":20},"action":{"type":"expire"}},{"rulePriority":1,"description":"first","selection":{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}',
    ],
    [
      'no description: none in the output',
      JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: EXPIRE }] }),
      '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}',
    ],
    [
      'an empty description is kept',
      withRule({ description: '' }),
      '{"rules":[{"rulePriority":1,"description":"","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}',
    ],
    [
      'a non-ASCII description survives unescaped',
      withRule({ description: 'Gardez une image — 保留一个' }),
      '{"rules":[{"rulePriority":1,"description":"Gardez une image — 保留一个","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}',
    ],
    [
      'storageClass standard (the only class here) is accepted and kept',
      withSelection({ tagStatus: 'untagged', storageClass: 'standard', countType: 'imageCountMoreThan', countNumber: 1 }),
      '{"rules":[{"rulePriority":1,"description":"Rule 1","selection":{"tagStatus":"untagged","storageClass":"standard","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}',
    ],
    [
      'keys in any order come back in the template order',
      JSON.stringify({ rules: [{ action: EXPIRE, selection: { countNumber: 3, countType: 'imageCountMoreThan', tagPrefixList: ['v'], tagStatus: 'tagged' }, description: 'd', rulePriority: 4 }] }),
      '{"rules":[{"rulePriority":4,"description":"d","selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}',
    ],
    [
      'integer-valued numbers written with a fraction (1.0) read as integers',
      JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 7 }, action: EXPIRE }] }).replace('"countNumber":7', '"countNumber":7.0'),
      '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":7},"action":{"type":"expire"}}]}',
    ],
    [
      'overlapping but different prefix sets, and the same list once as prefixes once as patterns',
      policyText(rule(1, prefixes('prod'), keep(1)), rule(2, prefixes('prod', 'beta'), keep(1)), rule(3, patterns('prod'), keep(1))),
      '{"rules":[{"rulePriority":1,"description":"Rule 1","selection":{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"description":"Rule 2","selection":{"tagStatus":"tagged","tagPrefixList":["prod","beta"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":3,"description":"Rule 3","selection":{"tagStatus":"tagged","tagPatternList":["prod"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}',
    ],
    [
      'the largest 32-bit priority and count',
      policyText(rule(2147483647, ANY, keep(2147483647), 'x')),
      '{"rules":[{"rulePriority":2147483647,"description":"x","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2147483647},"action":{"type":"expire"}}]}',
    ],
    [
      'a lone `*` pattern (every tagged image)',
      policyText(rule(1, patterns('*'), olderThan(30))),
      '{"rules":[{"rulePriority":1,"description":"Rule 1","selection":{"tagStatus":"tagged","tagPatternList":["*"],"countType":"sinceImagePushed","countUnit":"days","countNumber":30},"action":{"type":"expire"}}]}',
    ],
  ];
  for (const [name, text, canonical] of CASES) {
    it(name, () => {
      assert.equal(canonicalLifecyclePolicyText(text), canonical);
      assert.equal(canonicalLifecyclePolicyText(canonical), canonical, 'the compact text is a fixed point');
    });
  }

  it('parses into typed rules', () => {
    const parsed = parseLifecyclePolicy(policyText(rule(1, prefixes('alpha', 'beta'), olderThan(5)), rule(2, ANY, keep(3))));
    assert.deepEqual(parsed, {
      rules: [
        { rulePriority: 1, description: 'Rule 1', selection: { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 5 }, action: EXPIRE },
        { rulePriority: 2, description: 'Rule 2', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }, action: EXPIRE },
      ],
    });
    assert.equal(serializeLifecyclePolicy(parsed), policyText(rule(1, prefixes('alpha', 'beta'), olderThan(5)), rule(2, ANY, keep(3))));
  });

  it(`takes 50 rules and exactly ${MAX_POLICY_TEXT_LENGTH} characters`, () => {
    const rules = Array.from({ length: 50 }, (_, i) => rule(i + 1, prefixes(`p${i}`), keep(1)));
    assert.equal(parseLifecyclePolicy(policyText(...rules)).rules.length, 50);
    assert.equal(parseLifecyclePolicy(padTo(policyText(rule(1, ANY, keep(1))), MAX_POLICY_TEXT_LENGTH)).rules.length, 1);
  });
});

describe('parseLifecyclePolicy refuses', () => {
  const LONG_ENOUGH = ' '.repeat(100);
  const fiftyOne = Array.from({ length: 51 }, (_, i) => rule(i + 1, prefixes(`p${i}`), keep(1)));
  const CASES: [name: string, text: string, fragment: string][] = [
    // Text
    ['99 characters', padTo('{"rules":[]}', 99), "Invalid parameter at 'lifecyclePolicyText' failed to satisfy constraint: 'must have length greater than or equal to 100'"],
    ['30,721 characters', padTo(policyText(rule(1, ANY, keep(1))), 30_721), "'must have length less than or equal to 30720'"],
    ['text that is not JSON', `{"rules": [${LONG_ENOUGH}`, 'Could not map policyString into LifecyclePolicy: the text is not valid JSON'],
    [
      "the 2023 docs' multiple-rules example as printed (a comma missing after rulePriority)",
      `{ "rules": [ { "rulePriority": 1 "description": "Rule 1", "selection": { "tagStatus": "tagged", "tagPrefixList": ["prod"], "countType": "imageCountMoreThan", "countNumber": 1 }, "action": { "type": "expire" } } ] }`,
      'not valid JSON',
    ],
    ['a JSON array', padTo('[{"rules":[]}]', 100), 'Could not map policyString into LifecyclePolicy: the policy must be a JSON object, not array'],
    ['JSON null', padTo('null', 100), 'must be a JSON object, not null'],
    ['no rules member', padTo('{"Rules":[]}', 100), 'object has missing required properties (["rules"])'],
    ['an unknown top-level member', JSON.stringify({ rules: [rule(1, ANY, keep(1))], version: 1 }), 'object instance has properties which are not allowed by the schema: ["version"]'],
    ['rules as an object', padTo('{"rules":{"rulePriority":1}}', 100), 'instance type (object) does not match any allowed primitive type (allowed: ["array"]) (at rules)'],
    ['no rules', padTo('{"rules":[]}', 100), 'array is too short: must have at least 1 elements but instance has 0 elements (at rules)'],
    ['51 rules', policyText(...fiftyOne), 'array is too long: must have at most 50 elements but instance has 51 elements'],
    // Rule members
    ['a rule that is a string', padTo('{"rules":["expire everything"]}', 100), 'instance type (string) does not match any allowed primitive type (allowed: ["object"]) (at rules[0])'],
    ['no rulePriority', withRule({ rulePriority: undefined }), 'object has missing required properties (["rulePriority"]) (at rules[0])'],
    ['no selection', withRule({ selection: undefined, description: 'no selection here, only an action' }), 'object has missing required properties (["selection"])'],
    ['no action', withRule({ action: undefined, description: 'no action here, only a selection' }), 'object has missing required properties (["action"])'],
    ['an unknown rule member', withRule({ priority: 1 }), 'not allowed by the schema: ["priority"]; allowed: rulePriority, description, selection, action (at rules[0])'],
    ['a __proto__ member (an own key in parsed JSON, not the prototype)', withRule({}).replace('{"rulePriority"', '{"__proto__":{},"rulePriority"'), 'not allowed by the schema: ["__proto__"]'],
    ['rulePriority 0', withRule({ rulePriority: 0 }), 'numeric instance is lower than the required minimum (minimum: 1, found: 0) (at rules[0].rulePriority)'],
    ['a negative rulePriority', withRule({ rulePriority: -3 }), 'lower than the required minimum (minimum: 1, found: -3)'],
    ['a fractional rulePriority', withRule({ rulePriority: 1.5 }), 'instance type (number) does not match any allowed primitive type (allowed: ["integer"]) (at rules[0].rulePriority)'],
    ['rulePriority as a string', withRule({ rulePriority: '1' }), 'instance type (string) does not match any allowed primitive type (allowed: ["integer"])'],
    ['rulePriority past 32 bits', withRule({ rulePriority: 2147483648 }), 'greater than the required maximum (maximum: 2147483647, found: 2147483648)'],
    ['a description that is not a string', withRule({ description: 42 }), 'instance type (integer) does not match any allowed primitive type (allowed: ["string"]) (at rules[0].description)'],
    // Selection members
    ['selection null', withRule({ selection: null, description: 'a selection that is null, as a template might render it' }), 'instance type (null) does not match any allowed primitive type (allowed: ["object"]) (at rules[0].selection)'],
    ['no tagStatus', withSelection({ countType: 'imageCountMoreThan', countNumber: 1 }), 'object has missing required properties (["tagStatus"]) (at rules[0].selection)'],
    ['no countType', withSelection({ tagStatus: 'untagged', countNumber: 1 }), 'object has missing required properties (["countType"])'],
    ['no countNumber', withSelection({ tagStatus: 'untagged', countType: 'imageCountMoreThan' }), 'object has missing required properties (["countNumber"])'],
    ['an unknown selection member', withSelection({ tagStatus: 'tagged', tagPrefix: ['v'], countType: 'imageCountMoreThan', countNumber: 1 }), 'not allowed by the schema: ["tagPrefix"]'],
    ['tagStatus in upper case (the API enum, not the policy value)', withSelection({ tagStatus: 'TAGGED', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 }), 'instance value ("TAGGED") not found in enum (possible values: ["tagged","untagged","any"]) (at rules[0].selection.tagStatus)'],
    ['an unknown countType', withSelection({ tagStatus: 'untagged', countType: 'imageCountLessThan', countNumber: 1 }), 'instance value ("imageCountLessThan") not found in enum'],
    ['countType sinceImagePulled (archive tier)', withSelection({ tagStatus: 'untagged', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 1 }), 'countType sinceImagePulled is not supported: this registry has no archive storage class'],
    ['countType sinceImageTransitioned (archive tier)', withSelection({ tagStatus: 'untagged', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 1 }), 'countType sinceImageTransitioned is not supported'],
    ['countUnit hours', withSelection({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'hours', countNumber: 1 }), 'instance value ("hours") not found in enum (possible values: ["days"]) (at rules[0].selection.countUnit)'],
    ['countUnit with imageCountMoreThan', withSelection({ tagStatus: 'untagged', countType: 'imageCountMoreThan', countUnit: 'days', countNumber: 1 }), 'countUnit must be omitted when countType is imageCountMoreThan; it is only used with sinceImagePushed (at rules[0].selection.countUnit)'],
    ['countUnit null (a Terraform null that reached the JSON)', withSelection({ tagStatus: 'any', countType: 'imageCountMoreThan', countUnit: null, countNumber: 1 }), 'instance type (null) does not match any allowed primitive type (allowed: ["string"]) (at rules[0].selection.countUnit)'],
    ['sinceImagePushed without countUnit', withSelection({ tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14 }), 'countUnit "days" is required when countType is sinceImagePushed (at rules[0].selection)'],
    ['countNumber 0', withSelection({ tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 0 }), 'numeric instance is lower than the required minimum (minimum: 1, found: 0) (at rules[0].selection.countNumber)'],
    ['countNumber as a string', withSelection({ tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: '5' }), 'instance type (string) does not match any allowed primitive type (allowed: ["integer"]) (at rules[0].selection.countNumber)'],
    ['a fractional countNumber', withSelection({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 0.5 }), 'allowed: ["integer"]'],
    // Tag lists
    ['tagged without a tag list', withSelection({ tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }), 'Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED'],
    ['tagged with an empty tagPrefixList', withSelection({ tagStatus: 'tagged', tagPrefixList: [], countType: 'imageCountMoreThan', countNumber: 1 }), 'Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED'],
    ['tagged with both lists', withSelection({ tagStatus: 'tagged', tagPrefixList: ['v'], tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 1 }), 'a tagged rule must specify only one of tagPrefixList or tagPatternList, not both (at rules[0].selection)'],
    ['untagged with tagPrefixList', withSelection({ tagStatus: 'untagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 }), 'tagPrefixList must be omitted when tagStatus is untagged; only tagged rules select by tag (at rules[0].selection.tagPrefixList)'],
    ['any with an empty tagPatternList', withSelection({ tagStatus: 'any', tagPatternList: [], countType: 'imageCountMoreThan', countNumber: 1 }), 'tagPatternList must be omitted when tagStatus is any'],
    ["the docs' invalid wildcard example: six `*`", withSelection({ tagStatus: 'tagged', tagPatternList: ['test*1*2*3*4*5*6'], countType: 'imageCountMoreThan', countNumber: 1 }), 'Invalid tag pattern provided: "test*1*2*3*4*5*6" has 6 wildcards (*); a pattern may contain at most 4 (at rules[0].selection.tagPatternList[0])'],
    ['five `*` in the second pattern', withSelection({ tagStatus: 'tagged', tagPatternList: ['ok*', '*a*b*c*d*'], countType: 'imageCountMoreThan', countNumber: 1 }), 'has 5 wildcards (*); a pattern may contain at most 4 (at rules[0].selection.tagPatternList[1])'],
    ['tagPrefixList as a string', withSelection({ tagStatus: 'tagged', tagPrefixList: 'prod', countType: 'imageCountMoreThan', countNumber: 1 }), 'instance type (string) does not match any allowed primitive type (allowed: ["array"]) (at rules[0].selection.tagPrefixList)'],
    ['a number in tagPatternList', withSelection({ tagStatus: 'tagged', tagPatternList: ['v*', 2], countType: 'imageCountMoreThan', countNumber: 1 }), 'allowed: ["string"]) (at rules[0].selection.tagPatternList[1])'],
    ['storageClass archive', withSelection({ tagStatus: 'untagged', storageClass: 'archive', countType: 'imageCountMoreThan', countNumber: 1 }), 'storageClass archive is not supported: this registry has no archive storage class'],
    ['storageClass in upper case', withSelection({ tagStatus: 'untagged', storageClass: 'STANDARD', countType: 'imageCountMoreThan', countNumber: 1 }), 'instance value ("STANDARD") not found in enum (possible values: ["standard","archive"])'],
    // Action
    ['an action without a type', withRule({ action: {} }), 'object has missing required properties (["type"]) (at rules[0].action)'],
    ['action type delete', withRule({ action: { type: 'delete' } }), 'instance value ("delete") not found in enum (possible values: ["expire","transition"]) (at rules[0].action.type)'],
    ['action type transition (archive tier)', withRule({ action: { type: 'transition', targetStorageClass: 'archive' } }), 'action type transition is not supported'],
    ['expire with "targetStorageClass": null (cloudposse/terraform-aws-ecr#158)', withRule({ action: { type: 'expire', targetStorageClass: null } }), 'targetStorageClass must be omitted when the action type is expire (at rules[0].action.targetStorageClass)'],
    ['an unknown action member', withRule({ action: { type: 'expire', dryRun: true } }), 'not allowed by the schema: ["dryRun"]; allowed: type, targetStorageClass (at rules[0].action)'],
    // Across rules
    ['two rules with one priority', policyText(rule(1, prefixes('a'), keep(1)), rule(1, prefixes('b'), keep(1))), 'Duplicate priority in multiple rules: rules[0] and rules[1] both have rulePriority 1; every rule needs its own (at rules[1].rulePriority)'],
    ['two any rules', policyText(rule(1, ANY, keep(5)), rule(2, ANY, olderThan(5))), 'Only one rule can specify tagStatus=ANY; rules[0] and rules[1] both do'],
    ['an any rule before a tagged one', policyText(rule(1, ANY, keep(5)), rule(2, prefixes('v'), keep(1))), 'Rule for tagStatus=ANY must have the lowest priority, i.e. the highest rulePriority: rules[0] has 1 but rules[1] has 2 (at rules[0].rulePriority)'],
    ['an any rule listed last but not numbered last', policyText(rule(7, UNTAGGED, keep(1)), rule(3, ANY, keep(9))), 'Rule for tagStatus=ANY must have the lowest priority'],
    ['two untagged rules', policyText(rule(1, UNTAGGED, keep(5)), rule(2, UNTAGGED, olderThan(5))), 'Only one rule can select Untagged images; rules[0] and rules[1] both have tagStatus untagged'],
    ['two rules with the same prefixes in another order', policyText(rule(1, prefixes('a', 'b'), keep(1)), rule(2, prefixes('b', 'a'), olderThan(3))), 'The set of rules must contain a unique set of tag prefixes: rules[0] and rules[1] have the same tagPrefixList (at rules[1].selection.tagPrefixList)'],
    ['two rules with the same patterns', policyText(rule(1, patterns('v*'), keep(1)), rule(2, patterns('v*', 'v*'), olderThan(3))), 'rules[0] and rules[1] have the same tagPatternList'],
  ];
  for (const [name, text, fragment] of CASES) {
    it(name, () => {
      assert.throws(
        () => parseLifecyclePolicy(text),
        (error: unknown) => {
          assert.ok(error instanceof LifecyclePolicyError, `expected a LifecyclePolicyError, got ${String(error)}`);
          assert.ok(error.message.includes(fragment), `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(fragment)}`);
          return true;
        },
      );
    });
  }

  it('reports in the shape of ECR InvalidParameterException', () => {
    const error = (() => {
      try {
        parseLifecyclePolicy(withRule({ rulePriority: 0 }));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof LifecyclePolicyError);
    assert.equal(error.exceptionType, 'InvalidParameterException');
    assert.equal(error.parameter, 'LifecyclePolicyText');
    assert.equal(error.path, 'rules[0].rulePriority');
    assert.equal(
      error.message,
      "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: numeric instance is lower than the required minimum (minimum: 1, found: 0) (at rules[0].rulePriority)'",
    );
  });
});
