// Ruby gems, read as text and never evaluated:
//  - `Gemfile.lock`: under each source section (GEM, GIT) a `specs:` list where a gem is a line
//    indented by exactly four spaces, `name (version[-platform])`; deeper lines are its
//    dependencies' requirements. PATH sections are the application's own gems and are skipped.
//  - installed `specifications/[default/]<name>-<version>.gemspec`: the generated Ruby file whose
//    `s.name = "..."` and `s.version = "..."` lines name the gem.
import type { FileFindings, InventoryPackage, LayerFile } from '../types.js';
import { baseName, type PackageDetector } from './detector.js';
import { languagePackage } from './language-package.js';

const GEMSPEC_FILE = /(?:^|\/)specifications\/(?:default\/)?[^/]+\.gemspec$/;
const LOCKED_GEM = /^ {4}([^\s(]+) \(([^)]+)\)$/;

function parseGemfileLock(text: string, path: string): InventoryPackage[] {
  const packages: InventoryPackage[] = [];
  let section = '';
  let inSpecs = false;
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith(' ')) {
      section = line.trim(); // GEM, GIT, PATH, PLATFORMS, DEPENDENCIES, ...
      inSpecs = false;
    } else if (line === '  specs:') {
      inSpecs = section !== 'PATH'; // PATH gems are the application's own code
    } else if (inSpecs) {
      const gem = LOCKED_GEM.exec(line);
      // Bundler's own format: the version never contains '-', the platform follows the first one.
      const version = gem?.[2]!.split('-')[0];
      if (gem && version) packages.push(languagePackage({ ecosystem: 'RubyGems', name: gem[1]!, version, path }));
    }
  }
  return packages;
}

/** The first string literal assigned to `s.<attribute>` (optionally via `Gem::Version.new(...)`). */
function gemspecString(text: string, attribute: string): string | undefined {
  const pattern = new RegExp(`^[ \\t]*\\w+\\.${attribute}[ \\t]*=[ \\t]*(?:Gem::Version\\.new\\()?["']([^"']+)["']`, 'm');
  return pattern.exec(text)?.[1];
}

function gemspecLicenses(text: string): string[] | undefined {
  const list = /^[ \t]*\w+\.licenses?[ \t]*=[ \t]*\[?([^\]\n]*)/m.exec(text)?.[1];
  const licenses = list ? [...list.matchAll(/["']([^"']+)["']/g)].map((match) => match[1]!) : [];
  return licenses.length > 0 ? licenses : undefined;
}

function parseGemspec(text: string, path: string): InventoryPackage[] {
  const name = gemspecString(text, 'name');
  const version = gemspecString(text, 'version');
  if (!name || !version) return [];
  return [languagePackage({ ecosystem: 'RubyGems', name, version, path, licenses: gemspecLicenses(text) })];
}

export const rubyDetector: PackageDetector = {
  wants: (file: LayerFile) => baseName(file.path) === 'Gemfile.lock' || GEMSPEC_FILE.test(file.path),
  analyze(file: LayerFile, content: Buffer): FileFindings {
    const text = content.toString('utf8');
    const packages = baseName(file.path) === 'Gemfile.lock' ? parseGemfileLock(text, file.path) : parseGemspec(text, file.path);
    return { packages };
  },
};
