// Which images get scanned, when and how, as ECR decides it: the registry scanning configuration
// (scan type BASIC or ENHANCED plus up to two rules of a frequency and repository filters) and,
// for BASIC, a repository's own scanOnPush. Pure functions; the configuration is stored as one
// settings row by ScanService.
export type ScanType = 'BASIC' | 'ENHANCED';
export type ScanFrequency = 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN' | 'MANUAL';

export interface ScanningFilter {
  filter: string;
  filterType: 'WILDCARD';
}

export interface ScanningRule {
  scanFrequency: ScanFrequency;
  repositoryFilters: ScanningFilter[];
}

export interface RegistryScanningConfiguration {
  scanType: ScanType;
  rules: ScanningRule[];
}

/** ECR's default: basic scanning, no rules (repositories' scanOnPush decides). */
export const DEFAULT_SCANNING: RegistryScanningConfiguration = { scanType: 'BASIC', rules: [] };

export interface EffectiveScanning {
  scanType: ScanType;
  scanFrequency: ScanFrequency;
  scanOnPush: boolean;
  appliedScanFilters: ScanningFilter[];
}

const FILTER_PATTERN = /^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$/;

export class ScanningConfigurationError extends Error {}

/** `*` matches any run of characters, as ECR's WILDCARD filters do. */
export function filterMatches(filter: string, repository: string): boolean {
  const pattern = filter
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, (c) => `\\${c}`))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(repository);
}

/** Validates PutRegistryScanningConfiguration's input the way ECR does. */
export function parseRegistryScanningConfiguration(input: { scanType?: unknown; rules?: unknown }): RegistryScanningConfiguration {
  const scanType = input.scanType ?? 'BASIC';
  if (scanType !== 'BASIC' && scanType !== 'ENHANCED') throw new ScanningConfigurationError(`Invalid parameter at 'scanType' failed to satisfy constraint: 'Member must satisfy enum value set: [BASIC, ENHANCED]'`);
  const rulesInput = input.rules ?? [];
  if (!Array.isArray(rulesInput)) throw new ScanningConfigurationError(`Invalid parameter at 'rules': must be a list`);
  if (rulesInput.length > 2) throw new ScanningConfigurationError(`Invalid parameter at 'rules' failed to satisfy constraint: 'Member must have length less than or equal to 2'`);
  const rules = rulesInput.map((rule: unknown, i): ScanningRule => {
    const r = (rule ?? {}) as { scanFrequency?: unknown; repositoryFilters?: unknown };
    const frequency = r.scanFrequency;
    if (frequency !== 'SCAN_ON_PUSH' && frequency !== 'CONTINUOUS_SCAN' && frequency !== 'MANUAL') {
      throw new ScanningConfigurationError(`Invalid parameter at 'rules.${i + 1}.member.scanFrequency' failed to satisfy constraint: 'Member must satisfy enum value set: [SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL]'`);
    }
    if (scanType === 'BASIC' && frequency === 'CONTINUOUS_SCAN') throw new ScanningConfigurationError('Invalid parameter: CONTINUOUS_SCAN is only supported with the ENHANCED scan type');
    if (!Array.isArray(r.repositoryFilters) || r.repositoryFilters.length === 0 || r.repositoryFilters.length > 100) {
      throw new ScanningConfigurationError(`Invalid parameter at 'rules.${i + 1}.member.repositoryFilters': between 1 and 100 filters are required`);
    }
    const repositoryFilters = r.repositoryFilters.map((f: unknown): ScanningFilter => {
      const value = (f ?? {}) as { filter?: unknown; filterType?: unknown };
      if (typeof value.filter !== 'string' || value.filter.length < 1 || value.filter.length > 255 || !FILTER_PATTERN.test(value.filter)) {
        throw new ScanningConfigurationError(`Invalid parameter: repository filter '${String(value.filter)}' must match ${FILTER_PATTERN.source}`);
      }
      if (value.filterType !== 'WILDCARD') throw new ScanningConfigurationError(`Invalid parameter: filterType must be WILDCARD`);
      return { filter: value.filter, filterType: 'WILDCARD' };
    });
    return { scanFrequency: frequency, repositoryFilters };
  });
  return { scanType, rules };
}

/**
 * The scanning a repository gets. ENHANCED: the first rule (continuous before on-push) whose
 * filters match decides; none matching means manual scans only. BASIC: a matching SCAN_ON_PUSH
 * rule or the repository's own scanOnPush means scan on push, else manual.
 */
export function effectiveScanning(configuration: RegistryScanningConfiguration, repository: string, repositoryScanOnPush: boolean): EffectiveScanning {
  const order: ScanFrequency[] = ['CONTINUOUS_SCAN', 'SCAN_ON_PUSH'];
  for (const frequency of order) {
    for (const rule of configuration.rules) {
      if (rule.scanFrequency !== frequency) continue;
      const applied = rule.repositoryFilters.filter((f) => filterMatches(f.filter, repository));
      if (applied.length > 0) return { scanType: configuration.scanType, scanFrequency: frequency, scanOnPush: true, appliedScanFilters: applied };
    }
  }
  if (configuration.scanType === 'BASIC' && repositoryScanOnPush) return { scanType: 'BASIC', scanFrequency: 'SCAN_ON_PUSH', scanOnPush: true, appliedScanFilters: [] };
  return { scanType: configuration.scanType, scanFrequency: 'MANUAL', scanOnPush: false, appliedScanFilters: [] };
}
