// Vulnerability scanning (see service.ts for the flow). Other modules import only this file.
export { ScanService, SCAN_IMAGE_JOB, SCAN_JOB_KINDS, SCAN_REMATCH_JOB, IMAGE_SCAN_EVENT, ENHANCED_FINDING_EVENT, type ScanRecord, type ScanServiceDeps, type ScanStatus } from './service.js';
export { effectiveScanning, filterMatches, parseRegistryScanningConfiguration, ScanningConfigurationError, DEFAULT_SCANNING, type EffectiveScanning, type RegistryScanningConfiguration, type ScanFrequency, type ScanType } from './configuration.js';
export { basicFinding, enhancedFinding, severityCounts, BLOCKABLE_SEVERITIES, type EnhancedContext, type StoredFinding } from './findings.js';
export { importOsv, vulnerabilityDbStatus, vulnerabilitySourceUpdatedAt, type EcrSeverity } from './vulndb/index.js';
export { scanJobHandlers, REMATCH_PERIOD_MS } from './jobs.js';
