// Tables for the Condition element: every operator, IfExists, ForAnyValue/ForAllValues, Null,
// missing keys, and policy variables in condition values. Each row is one Allow statement with
// the condition; the row says whether the request is allowed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContextValue, RequestPrincipal } from '../../../src/iam/policy/index.js';
import { alice, anonymous, decide, deployer, identityPolicy, request } from './fixtures.js';

type Keys = Record<string, ContextValue>;
interface Options {
  principal?: RequestPrincipal;
  version?: string | null;
}
type Row = [name: string, condition: Record<string, unknown>, keys: Keys, expected: boolean, options?: Options];

function holds(condition: Record<string, unknown>, keys: Keys, options: Options = {}): boolean {
  const policy = identityPolicy(
    { Effect: 'Allow', Action: '*', Resource: '*', Condition: condition },
    options.version === undefined ? '2012-10-17' : options.version,
  );
  const context = request({ principal: options.principal ?? alice, conditionKeys: keys });
  return decide([policy], [], context).decision === 'Allow';
}

function table(title: string, rows: Row[]): void {
  describe(title, () => {
    for (const [name, condition, keys, expected, options] of rows) {
      it(`${name} -> ${expected}`, () => assert.equal(holds(condition, keys, options), expected));
    }
  });
}

const TEAM = 'ecr:ResourceTag/team';

table('string operators', [
  ['StringEquals exact', { StringEquals: { [TEAM]: 'blue' } }, { [TEAM]: 'blue' }, true],
  ['StringEquals is case-sensitive', { StringEquals: { [TEAM]: 'Blue' } }, { [TEAM]: 'blue' }, false],
  ['StringEquals values are ORed', { StringEquals: { [TEAM]: ['red', 'blue'] } }, { [TEAM]: 'blue' }, true],
  ['StringEquals missing key', { StringEquals: { [TEAM]: 'blue' } }, {}, false],
  ['StringEquals key name is case-insensitive', { StringEquals: { 'ECR:resourcetag/TEAM': 'blue' } }, { [TEAM]: 'blue' }, true],
  ['StringEquals numeric policy value compares as text', { StringEquals: { 'aws:EpochTime': 5 } }, { 'aws:EpochTime': 5 }, true],
  ['StringEquals boolean context value compares as text', { StringEquals: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': true }, true],
  ['StringEquals treats * literally', { StringEquals: { [TEAM]: 'bl*' } }, { [TEAM]: 'blue' }, false],
  ['StringEquals matches a literal *', { StringEquals: { [TEAM]: 'bl*' } }, { [TEAM]: 'bl*' }, true],
  ['keys are ANDed', { StringEquals: { [TEAM]: 'blue', 'ecr:ResourceTag/env': 'prod' } }, { [TEAM]: 'blue', 'ecr:ResourceTag/env': 'dev' }, false],
  ['keys are ANDed, all hold', { StringEquals: { [TEAM]: 'blue', 'ecr:ResourceTag/env': 'prod' } }, { [TEAM]: 'blue', 'ecr:ResourceTag/env': 'prod' }, true],
  ['operators are ANDed', { StringEquals: { [TEAM]: 'blue' }, Bool: { 'aws:SecureTransport': 'true' } }, { [TEAM]: 'blue', 'aws:SecureTransport': false }, false],
  ['StringNotEquals different value', { StringNotEquals: { [TEAM]: 'red' } }, { [TEAM]: 'blue' }, true],
  ['StringNotEquals same value', { StringNotEquals: { [TEAM]: 'blue' } }, { [TEAM]: 'blue' }, false],
  ['StringNotEquals must differ from every value', { StringNotEquals: { [TEAM]: ['red', 'blue'] } }, { [TEAM]: 'blue' }, false],
  ['StringNotEquals missing key', { StringNotEquals: { [TEAM]: 'blue' } }, {}, true],
  ['StringEqualsIgnoreCase', { StringEqualsIgnoreCase: { [TEAM]: 'BLUE' } }, { [TEAM]: 'blue' }, true],
  ['StringEqualsIgnoreCase different value', { StringEqualsIgnoreCase: { [TEAM]: 'BLUE' } }, { [TEAM]: 'red' }, false],
  ['StringEqualsIgnoreCase missing key', { StringEqualsIgnoreCase: { [TEAM]: 'blue' } }, {}, false],
  ['StringNotEqualsIgnoreCase same but for case', { StringNotEqualsIgnoreCase: { [TEAM]: 'BLUE' } }, { [TEAM]: 'blue' }, false],
  ['StringNotEqualsIgnoreCase different value', { StringNotEqualsIgnoreCase: { [TEAM]: 'BLUE' } }, { [TEAM]: 'red' }, true],
  ['StringNotEqualsIgnoreCase missing key', { StringNotEqualsIgnoreCase: { [TEAM]: 'blue' } }, {}, true],
  ['StringLike *', { StringLike: { [TEAM]: 'bl*' } }, { [TEAM]: 'blue' }, true],
  ['StringLike ? is one character', { StringLike: { [TEAM]: 'v?' } }, { [TEAM]: 'v1' }, true],
  ['StringLike ? is not two characters', { StringLike: { [TEAM]: 'v?' } }, { [TEAM]: 'v10' }, false],
  ['StringLike is case-sensitive', { StringLike: { [TEAM]: 'BL*' } }, { [TEAM]: 'blue' }, false],
  ['StringLike missing key', { StringLike: { [TEAM]: '*' } }, {}, false],
  ['StringLike * crosses colons (plain glob)', { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*' } }, {}, true],
  ['StringNotLike no match', { StringNotLike: { [TEAM]: 'bl*' } }, { [TEAM]: 'red' }, true],
  ['StringNotLike match', { StringNotLike: { [TEAM]: 'bl*' } }, { [TEAM]: 'blue' }, false],
  ['StringNotLike missing key', { StringNotLike: { [TEAM]: 'bl*' } }, {}, true],
]);

const EPOCH = 'aws:EpochTime';
table('numeric operators', [
  ['NumericEquals number vs numeric string', { NumericEquals: { [EPOCH]: 5 } }, { [EPOCH]: '5' }, true],
  ['NumericEquals 5 == 5.0', { NumericEquals: { [EPOCH]: '5' } }, { [EPOCH]: '5.0' }, true],
  ['NumericEquals different', { NumericEquals: { [EPOCH]: '5' } }, { [EPOCH]: 6 }, false],
  ['NumericNotEquals different', { NumericNotEquals: { [EPOCH]: '5' } }, { [EPOCH]: 6 }, true],
  ['NumericNotEquals equal', { NumericNotEquals: { [EPOCH]: '5' } }, { [EPOCH]: 5 }, false],
  ['NumericNotEquals missing key', { NumericNotEquals: { [EPOCH]: '5' } }, {}, true],
  ['NumericLessThan below', { NumericLessThan: { [EPOCH]: 10 } }, { [EPOCH]: 9 }, true],
  ['NumericLessThan equal', { NumericLessThan: { [EPOCH]: 10 } }, { [EPOCH]: 10 }, false],
  ['NumericLessThanEquals equal', { NumericLessThanEquals: { [EPOCH]: 10 } }, { [EPOCH]: 10 }, true],
  ['NumericGreaterThan above', { NumericGreaterThan: { [EPOCH]: '-1.5' } }, { [EPOCH]: 0 }, true],
  ['NumericGreaterThan equal', { NumericGreaterThan: { [EPOCH]: 3 } }, { [EPOCH]: 3 }, false],
  ['NumericGreaterThanEquals equal', { NumericGreaterThanEquals: { [EPOCH]: 3 } }, { [EPOCH]: '3' }, true],
  ['NumericGreaterThanEquals below', { NumericGreaterThanEquals: { [EPOCH]: 3 } }, { [EPOCH]: 2 }, false],
  ['NumericLessThan non-numeric context value', { NumericLessThan: { [EPOCH]: 10 } }, { [EPOCH]: 'abc' }, false],
  ['NumericLessThan missing key', { NumericLessThan: { [EPOCH]: 10 } }, {}, false],
  ['NumericLessThan values are ORed', { NumericLessThan: { [EPOCH]: [1, 100] } }, { [EPOCH]: 50 }, true],
]);

const NOW = 'aws:CurrentTime';
table('date operators', [
  ['DateLessThan before', { DateLessThan: { [NOW]: '2030-01-01T00:00:00Z' } }, { [NOW]: '2029-12-31T23:59:59Z' }, true],
  ['DateLessThan at', { DateLessThan: { [NOW]: '2030-01-01T00:00:00Z' } }, { [NOW]: '2030-01-01T00:00:00Z' }, false],
  ['DateLessThanEquals at', { DateLessThanEquals: { [NOW]: '2030-01-01T00:00:00Z' } }, { [NOW]: '2030-01-01T00:00:00.000Z' }, true],
  ['DateGreaterThan epoch-seconds policy vs ISO context', { DateGreaterThan: { [NOW]: '1700000000' } }, { [NOW]: '2023-11-14T22:13:21Z' }, true],
  ['DateGreaterThan epoch-seconds policy, one second earlier', { DateGreaterThan: { [NOW]: 1700000000 } }, { [NOW]: '2023-11-14T22:13:19Z' }, false],
  ['DateGreaterThanEquals exact epoch', { DateGreaterThanEquals: { [NOW]: 1700000000 } }, { [NOW]: '2023-11-14T22:13:20Z' }, true],
  ['DateLessThan ISO policy vs aws:EpochTime number', { DateLessThan: { [EPOCH]: '2024-01-01T00:00:00Z' } }, { [EPOCH]: 1703980800 }, true],
  ['DateEquals across time zones', { DateEquals: { [NOW]: '2024-01-01T02:00:00+02:00' } }, { [NOW]: '2024-01-01T00:00:00Z' }, true],
  ['DateEquals with a negative offset without colon', { DateEquals: { [NOW]: '2023-12-31T19:00:00-0500' } }, { [NOW]: '2024-01-01T00:00:00Z' }, true],
  ['DateEquals date-only means midnight UTC', { DateEquals: { [NOW]: '2024-01-01' } }, { [NOW]: '2024-01-01T00:00:00Z' }, true],
  ['DateEquals no zone means UTC', { DateEquals: { [NOW]: '2024-01-01T00:00:00' } }, { [NOW]: '2024-01-01T00:00:00Z' }, true],
  ['DateEquals fractional seconds', { DateEquals: { [NOW]: '2024-01-01T00:00:00.5Z' } }, { [NOW]: '2024-01-01T00:00:00.500Z' }, true],
  ['DateNotEquals different', { DateNotEquals: { [NOW]: '2024-01-01' } }, { [NOW]: '2024-01-02T00:00:00Z' }, true],
  ['DateNotEquals same instant', { DateNotEquals: { [NOW]: '2024-01-01' } }, { [NOW]: '2024-01-01T00:00:00Z' }, false],
  ['DateNotEquals missing key', { DateNotEquals: { [NOW]: '2024-01-01' } }, {}, true],
  ['DateLessThan missing key', { DateLessThan: { [NOW]: '2030-01-01' } }, {}, false],
  ['DateLessThanIfExists missing key', { DateLessThanIfExists: { [NOW]: '2030-01-01' } }, {}, true],
  ['DateLessThan unparseable context time', { DateLessThan: { [NOW]: '2030-01-01' } }, { [NOW]: 'soon' }, false],
]);

table('Bool and BinaryEquals', [
  ['Bool "true" vs boolean true', { Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': true }, true],
  ['Bool "true" vs "false"', { Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'false' }, false],
  ['Bool true vs "TRUE"', { Bool: { 'aws:SecureTransport': true } }, { 'aws:SecureTransport': 'TRUE' }, true],
  ['Bool "false" vs false', { Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': false }, true],
  ['Bool missing key', { Bool: { 'aws:SecureTransport': 'false' } }, {}, false],
  ['BoolIfExists missing key', { BoolIfExists: { 'aws:SecureTransport': 'false' } }, {}, true],
  ['Bool non-boolean context value', { Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'yes' }, false],
  ['BinaryEquals same bytes', { BinaryEquals: { 'ecr:ResourceTag/key': 'QmluYXJ5' } }, { 'ecr:ResourceTag/key': 'QmluYXJ5' }, true],
  ['BinaryEquals different bytes', { BinaryEquals: { 'ecr:ResourceTag/key': 'QmluYXJ5' } }, { 'ecr:ResourceTag/key': 'T3RoZXI=' }, false],
  ['BinaryEquals context not base64', { BinaryEquals: { 'ecr:ResourceTag/key': 'QmluYXJ5' } }, { 'ecr:ResourceTag/key': '%%%' }, false],
]);

const IP = 'aws:SourceIp';
table('IpAddress and NotIpAddress', [
  ['IPv4 inside CIDR', { IpAddress: { [IP]: '192.0.2.0/24' } }, { [IP]: '192.0.2.200' }, true],
  ['IPv4 outside CIDR', { IpAddress: { [IP]: '192.0.2.0/24' } }, { [IP]: '192.0.3.1' }, false],
  ['plain IPv4 address is a /32', { IpAddress: { [IP]: '192.0.2.7' } }, { [IP]: '192.0.2.7' }, true],
  ['plain IPv4 address, neighbour', { IpAddress: { [IP]: '192.0.2.7' } }, { [IP]: '192.0.2.8' }, false],
  ['/0 matches any IPv4 address', { IpAddress: { [IP]: '0.0.0.0/0' } }, { [IP]: '203.0.113.9' }, true],
  ['CIDR with host bits set', { IpAddress: { [IP]: '10.1.2.3/8' } }, { [IP]: '10.200.0.1' }, true],
  ['ranges are ORed', { IpAddress: { [IP]: ['10.0.0.0/8', '192.0.2.0/24'] } }, { [IP]: '192.0.2.1' }, true],
  ['IPv6 inside CIDR', { IpAddress: { [IP]: '2001:db8::/32' } }, { [IP]: '2001:db8:ffff::1' }, true],
  ['IPv6 outside CIDR', { IpAddress: { [IP]: '2001:db8::/32' } }, { [IP]: '2001:db9::1' }, false],
  ['IPv6 written in full vs compressed', { IpAddress: { [IP]: '2001:db8::1' } }, { [IP]: '2001:0db8:0000:0000:0000:0000:0000:0001' }, true],
  ['IPv6 /128', { IpAddress: { [IP]: '2001:db8::1/128' } }, { [IP]: '2001:db8::2' }, false],
  ['IPv4 address against an IPv6 range', { IpAddress: { [IP]: '::/0' } }, { [IP]: '192.0.2.1' }, false],
  ['IPv4-mapped IPv6 address against an IPv4 range', { IpAddress: { [IP]: '192.0.2.0/24' } }, { [IP]: '::ffff:192.0.2.5' }, true],
  ['garbage source address', { IpAddress: { [IP]: '0.0.0.0/0' } }, { [IP]: 'localhost' }, false],
  ['IpAddress missing key', { IpAddress: { [IP]: '0.0.0.0/0' } }, {}, false],
  ['NotIpAddress outside', { NotIpAddress: { [IP]: '10.0.0.0/8' } }, { [IP]: '192.0.2.1' }, true],
  ['NotIpAddress inside', { NotIpAddress: { [IP]: '10.0.0.0/8' } }, { [IP]: '10.9.8.7' }, false],
  ['NotIpAddress inside the second range', { NotIpAddress: { [IP]: ['10.0.0.0/8', 'fd00::/8'] } }, { [IP]: 'fd12::1' }, false],
  ['NotIpAddress missing key', { NotIpAddress: { [IP]: '10.0.0.0/8' } }, {}, true],
]);

const SOURCE = 'aws:SourceArn';
const REPO_ARN = 'arn:aws:ecr:us-east-1:123456789012:repository/team/app';
table('ARN operators', [
  ['ArnLike wildcard region and repository', { ArnLike: { [SOURCE]: 'arn:aws:ecr:*:123456789012:repository/*' } }, { [SOURCE]: REPO_ARN }, true],
  ['ArnLike wrong account', { ArnLike: { [SOURCE]: 'arn:aws:ecr:*:210987654321:repository/*' } }, { [SOURCE]: REPO_ARN }, false],
  ['ArnLike * in one part does not cross colons', { ArnLike: { [SOURCE]: 'arn:aws:ecr:*:repository/*' } }, { [SOURCE]: REPO_ARN }, false],
  ['StringLike with the same pattern does cross colons', { StringLike: { [SOURCE]: 'arn:aws:ecr:*:repository/*' } }, { [SOURCE]: REPO_ARN }, true],
  ['ArnLike lone * matches any ARN', { ArnLike: { [SOURCE]: '*' } }, { [SOURCE]: REPO_ARN }, true],
  ['ArnLike shorter pattern: last part covers the rest', { ArnLike: { [SOURCE]: 'arn:aws:ecr:*' } }, { [SOURCE]: REPO_ARN }, true],
  ['ArnLike ? in the region', { ArnLike: { [SOURCE]: 'arn:aws:ecr:us-east-?:123456789012:repository/team/app' } }, { [SOURCE]: REPO_ARN }, true],
  ['ArnLike is case-sensitive', { ArnLike: { [SOURCE]: 'arn:aws:ecr:*:123456789012:repository/Team/*' } }, { [SOURCE]: REPO_ARN }, false],
  ['ArnLike resource part keeps its colons', { ArnLike: { [SOURCE]: 'arn:aws:logs:*:*:log-group:app:*' } }, { [SOURCE]: 'arn:aws:logs:us-east-1:123456789012:log-group:app:log-stream:x' }, true],
  ['ArnLike context value is not an ARN', { ArnLike: { [SOURCE]: 'arn:aws:ecr:*:*:*' } }, { [SOURCE]: 'team/app' }, false],
  ['ArnEquals exact', { ArnEquals: { [SOURCE]: REPO_ARN } }, { [SOURCE]: REPO_ARN }, true],
  ['ArnEquals takes wildcards like ArnLike', { ArnEquals: { [SOURCE]: 'arn:aws:ecr:*:123456789012:repository/team/*' } }, { [SOURCE]: REPO_ARN }, true],
  ['ArnNotEquals different', { ArnNotEquals: { [SOURCE]: 'arn:aws:ecr:us-east-1:123456789012:repository/other' } }, { [SOURCE]: REPO_ARN }, true],
  ['ArnNotEquals same', { ArnNotEquals: { [SOURCE]: REPO_ARN } }, { [SOURCE]: REPO_ARN }, false],
  ['ArnNotLike matching pattern', { ArnNotLike: { [SOURCE]: 'arn:aws:ecr:*:*:repository/team/*' } }, { [SOURCE]: REPO_ARN }, false],
  ['ArnNotLike missing key', { ArnNotLike: { [SOURCE]: 'arn:aws:ecr:*:*:repository/team/*' } }, {}, true],
  ['ArnLike missing key', { ArnLike: { [SOURCE]: '*' } }, {}, false],
]);

const TAG_KEYS = 'aws:TagKeys';
table('Null and IfExists', [
  ['Null true, key absent', { Null: { [TEAM]: 'true' } }, {}, true],
  ['Null true, key present', { Null: { [TEAM]: 'true' } }, { [TEAM]: 'blue' }, false],
  ['Null false, key present', { Null: { [TEAM]: false } }, { [TEAM]: 'blue' }, true],
  ['Null false, key absent', { Null: { [TEAM]: 'false' } }, {}, false],
  ['Null true, key present but undefined', { Null: { [TEAM]: 'true' } }, { [TEAM]: undefined }, true],
  ['Null true, key an empty array', { Null: { [TAG_KEYS]: 'true' } }, { [TAG_KEYS]: [] }, true],
  ['Null true, key present as an empty string', { Null: { [TEAM]: 'true' } }, { [TEAM]: '' }, false],
  ['Null with both values always holds', { Null: { [TEAM]: ['true', 'false'] } }, {}, true],
  ['StringEqualsIfExists missing key', { StringEqualsIfExists: { [TEAM]: 'blue' } }, {}, true],
  ['StringEqualsIfExists present, matching', { StringEqualsIfExists: { [TEAM]: 'blue' } }, { [TEAM]: 'blue' }, true],
  ['StringEqualsIfExists present, not matching', { StringEqualsIfExists: { [TEAM]: 'blue' } }, { [TEAM]: 'red' }, false],
  ['StringNotEqualsIfExists present, same', { StringNotEqualsIfExists: { [TEAM]: 'blue' } }, { [TEAM]: 'blue' }, false],
  ['NumericLessThanIfExists present, too big', { NumericLessThanIfExists: { [EPOCH]: 10 } }, { [EPOCH]: 11 }, false],
  ['NotIpAddressIfExists missing key', { NotIpAddressIfExists: { [IP]: '10.0.0.0/8' } }, {}, true],
  ['ArnLikeIfExists missing key', { ArnLikeIfExists: { [SOURCE]: 'arn:aws:ecr:*:*:*' } }, {}, true],
]);

table('multi-valued keys', [
  ['ForAnyValue:StringEquals one of the values', { 'ForAnyValue:StringEquals': { [TAG_KEYS]: 'env' } }, { [TAG_KEYS]: ['team', 'env'] }, true],
  ['ForAnyValue:StringEquals none of the values', { 'ForAnyValue:StringEquals': { [TAG_KEYS]: 'owner' } }, { [TAG_KEYS]: ['team', 'env'] }, false],
  ['ForAnyValue missing key', { 'ForAnyValue:StringEquals': { [TAG_KEYS]: 'env' } }, {}, false],
  ['ForAnyValue empty array', { 'ForAnyValue:StringEquals': { [TAG_KEYS]: 'env' } }, { [TAG_KEYS]: [] }, false],
  ['ForAnyValue:StringLike', { 'ForAnyValue:StringLike': { [TAG_KEYS]: 'e*' } }, { [TAG_KEYS]: ['team', 'env'] }, true],
  ['ForAnyValue single-valued key', { 'ForAnyValue:StringEquals': { [TEAM]: ['red', 'blue'] } }, { [TEAM]: 'blue' }, true],
  ['ForAnyValue:StringNotEquals some value differs', { 'ForAnyValue:StringNotEquals': { [TAG_KEYS]: 'team' } }, { [TAG_KEYS]: ['team', 'env'] }, true],
  ['ForAnyValue:StringNotEquals no value differs', { 'ForAnyValue:StringNotEquals': { [TAG_KEYS]: 'team' } }, { [TAG_KEYS]: ['team'] }, false],
  ['ForAnyValue:StringEqualsIfExists missing key', { 'ForAnyValue:StringEqualsIfExists': { [TAG_KEYS]: 'env' } }, {}, true],
  ['ForAllValues subset', { 'ForAllValues:StringEquals': { [TAG_KEYS]: ['team', 'env', 'owner'] } }, { [TAG_KEYS]: ['team', 'env'] }, true],
  ['ForAllValues one value outside the set', { 'ForAllValues:StringEquals': { [TAG_KEYS]: ['team', 'env'] } }, { [TAG_KEYS]: ['team', 'cost'] }, false],
  ['ForAllValues missing key holds', { 'ForAllValues:StringEquals': { [TAG_KEYS]: ['team'] } }, {}, true],
  ['ForAllValues empty array holds', { 'ForAllValues:StringEquals': { [TAG_KEYS]: ['team'] } }, { [TAG_KEYS]: [] }, true],
  ['ForAllValues:StringEqualsIgnoreCase', { 'ForAllValues:StringEqualsIgnoreCase': { [TAG_KEYS]: ['TEAM', 'ENV'] } }, { [TAG_KEYS]: ['team', 'Env'] }, true],
  ['ForAllValues:StringLike', { 'ForAllValues:StringLike': { [TAG_KEYS]: ['t*', 'e*'] } }, { [TAG_KEYS]: ['team', 'env'] }, true],
  ['ForAllValues:StringNotEquals none forbidden', { 'ForAllValues:StringNotEquals': { [TAG_KEYS]: 'secret' } }, { [TAG_KEYS]: ['team', 'env'] }, true],
  ['ForAllValues:StringNotEquals one forbidden', { 'ForAllValues:StringNotEquals': { [TAG_KEYS]: 'secret' } }, { [TAG_KEYS]: ['team', 'secret'] }, false],
  ['StringEquals without qualifier, any value matches', { StringEquals: { [TAG_KEYS]: 'env' } }, { [TAG_KEYS]: ['team', 'env'] }, true],
  ['StringNotEquals without qualifier, one value equal', { StringNotEquals: { [TAG_KEYS]: 'env' } }, { [TAG_KEYS]: ['team', 'env'] }, false],
]);

const OWNER = 'ecr:ResourceTag/owner';
table('policy variables in condition values', [
  ['${aws:username} (derived from the principal)', { StringEquals: { [OWNER]: '${aws:username}' } }, { [OWNER]: 'alice' }, true],
  ['${aws:username}, someone else\'s tag', { StringEquals: { [OWNER]: '${aws:username}' } }, { [OWNER]: 'bob' }, false],
  ['variable inside a StringLike pattern', { StringLike: { 'ecr:ResourceTag/path': 'home/${aws:username}/*' } }, { 'ecr:ResourceTag/path': 'home/alice/x' }, true],
  ['variable name is case-insensitive', { StringEquals: { [OWNER]: '${AWS:UserName}' } }, { [OWNER]: 'alice' }, true],
  ['unresolvable variable: the statement does not apply', { StringEquals: { [OWNER]: '${aws:username}' } }, { [OWNER]: 'alice' }, false, { principal: anonymous }],
  ['unresolvable variable under a negated operator: still does not apply', { StringNotEquals: { [OWNER]: '${aws:username}' } }, { [OWNER]: 'alice' }, false, { principal: anonymous }],
  ['default value when the key is absent', { StringEquals: { [OWNER]: "${aws:username, 'nobody'}" } }, { [OWNER]: 'nobody' }, true, { principal: anonymous }],
  ['default with an escaped quote', { StringEquals: { [OWNER]: "${aws:username, 'it''s'}" } }, { [OWNER]: "it's" }, true, { principal: anonymous }],
  ['default not used when the key is present', { StringEquals: { [OWNER]: "${aws:username, 'nobody'}" } }, { [OWNER]: 'nobody' }, false],
  ['multi-valued key cannot be substituted', { StringEquals: { [OWNER]: '${aws:TagKeys}' } }, { [OWNER]: 'team', [TAG_KEYS]: ['team'] }, false],
  ['${*} is a literal star', { StringLike: { [OWNER]: 'a${*}' } }, { [OWNER]: 'a*' }, true],
  ['${*} is not a wildcard', { StringLike: { [OWNER]: 'a${*}' } }, { [OWNER]: 'abc' }, false],
  ['${?} is a literal question mark', { StringLike: { [OWNER]: 'why${?}' } }, { [OWNER]: 'why?' }, true],
  ['${$} is a literal dollar', { StringEquals: { [OWNER]: 'cost${$}' } }, { [OWNER]: 'cost$' }, true],
  ['substituted text is literal, not a pattern', { StringLike: { 'ecr:ResourceTag/name': '${ecr:ResourceTag/pattern}' } }, { 'ecr:ResourceTag/pattern': 'x*', 'ecr:ResourceTag/name': 'xyz' }, false],
  ['malformed reference stays literal text', { StringEquals: { [OWNER]: '${aws:username' } }, { [OWNER]: '${aws:username' }, true],
  ['2008-10-17 policies take variables literally', { StringEquals: { [OWNER]: '${aws:username}' } }, { [OWNER]: '${aws:username}' }, true, { version: '2008-10-17' }],
  ['policies without Version take variables literally', { StringEquals: { [OWNER]: '${aws:username}' } }, { [OWNER]: 'alice' }, false, { version: null }],
  ['variable in ArnLike', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::${aws:PrincipalAccount}:user/*' } }, {}, true],
  ['role session: aws:PrincipalArn is the role ARN', { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/deployer' } }, {}, true, { principal: deployer }],
]);

table('derived principal keys', [
  ['aws:PrincipalType User', { StringEquals: { 'aws:PrincipalType': 'User' } }, {}, true],
  ['aws:PrincipalType AssumedRole', { StringEquals: { 'aws:PrincipalType': 'AssumedRole' } }, {}, true, { principal: deployer }],
  ['aws:PrincipalType Anonymous', { StringEquals: { 'aws:PrincipalType': 'Anonymous' } }, {}, true, { principal: anonymous }],
  ['aws:PrincipalAccount', { StringEquals: { 'aws:PrincipalAccount': '123456789012' } }, {}, true],
  ['anonymous has no aws:PrincipalArn', { Null: { 'aws:PrincipalArn': 'true' } }, {}, true, { principal: anonymous }],
  ['a role session has no aws:username', { Null: { 'aws:username': 'true' } }, {}, true, { principal: deployer }],
  ['an explicit key overrides the derived one', { StringEquals: { 'aws:username': 'override' } }, { 'aws:UserName': 'override' }, true],
]);
