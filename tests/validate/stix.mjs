// stix.mjs — checks STIX 2.1 bundles against the OASIS STIX 2.1 JSON schemas (draft 2020-12, from
// github.com/oasis-open/cti-stix2-json-schemas) with ajv, then the rules of the specification that
// the schemas cannot express. Used by tests/golden/export_stix.sh and serve_taxii.sh.
//
//   node tests/validate/stix.mjs SCHEMA_DIR BUNDLE.json...
//
// SCHEMA_DIR is the repository's checkout (with schemas/ inside) or its schemas/ folder; every
// *.json under it is loaded. Each bundle is validated as a whole against common/bundle.json and
// each object against its own type's schema (sdos/, sros/, observables/, common/); then:
// unique ids of the form TYPE--UUID, modified >= created, every *_ref / *_refs names an object of
// the bundle (of the right type for relationships, sightings and created_by_ref), relationship
// types from the specification's list for the types they join, and every indicator pattern parses
// as a comparison of the subset we emit ("[type:path = 'literal']", literal escapes only \' and \\).
//
// Prints one line per file ("ok FILE (N objects: type n, ...)" or "FAIL FILE: problem; ...")
// and exits 0 when every file passed, 1 when one did not, 2 on misuse.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [schemaArg, ...files] = process.argv.slice(2);
if (!schemaArg || files.length === 0) {
  console.error("usage: node stix.mjs SCHEMA_DIR BUNDLE.json...");
  process.exit(2);
}

function listJson(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listJson(p));
    else if (name.endsWith(".json")) out.push(p);
  }
  return out;
}

let root = schemaArg;
try {
  if (statSync(join(root, "schemas")).isDirectory()) root = join(root, "schemas");
} catch {
  /* SCHEMA_DIR is the schemas folder itself */
}
// One schema pattern uses "\-", which is an error in unicode mode: build with unicodeRegExp off.
const ajv = new Ajv2020({ strict: false, allErrors: false, unicodeRegExp: false });
addFormats(ajv);
// idn-hostname (domain-name:value) is not in ajv-formats: labels of 1-63 characters, no spaces.
ajv.addFormat("idn-hostname", (s) =>
  s.length <= 253 && s.split(".").every((l) => l.length >= 1 && l.length <= 63 && !/[\s\/\\@]/u.test(l)));
const byPath = new Map(); // "sdos/campaign.json" -> $id
for (const p of listJson(root)) {
  const schema = JSON.parse(readFileSync(p, "utf8"));
  if (!schema.$id) continue;
  ajv.addSchema(schema);
  byPath.set(p.slice(root.length + 1).split("\\").join("/"), schema.$id);
}
const bundleId = byPath.get("common/bundle.json");
if (!bundleId) {
  console.error(`stix.mjs: no common/bundle.json under ${root}`);
  process.exit(2);
}
const validators = new Map(); // type -> validate function (compiled on first use)
function validatorFor(type) {
  if (validators.has(type)) return validators.get(type);
  let v = null;
  for (const dir of ["sdos", "sros", "observables", "common"]) {
    const id = byPath.get(`${dir}/${type}.json`);
    if (id) {
      v = ajv.getSchema(id);
      break;
    }
  }
  validators.set(type, v);
  return v;
}
const validateBundle = ajv.getSchema(bundleId);

const UUID = /^[a-z][a-z0-9-]*[a-z0-9]--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// Relationship types of the STIX 2.1 specification (section 4, "Relationships") for the pairs
// actorprint emits; anything else is reported so a new pair is checked against the spec first.
const ALLOWED_RELATIONSHIPS = new Set([
  "campaign attributed-to intrusion-set",
  "campaign attributed-to threat-actor",
  "campaign uses attack-pattern",
  "campaign uses infrastructure",
  "campaign uses malware",
  "campaign uses tool",
  "indicator indicates campaign",
  "indicator indicates intrusion-set",
  "indicator indicates infrastructure",
  "indicator indicates attack-pattern",
  "intrusion-set uses attack-pattern",
  "intrusion-set uses infrastructure",
]);
const OBSERVABLES = new Set([
  "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file",
  "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process", "software", "url",
  "user-account", "windows-registry-key", "x509-certificate",
]);

// "[OBJECT:PATH = 'LITERAL']" (possibly several joined with AND/OR); returns a problem or null.
function patternProblem(p) {
  const comparison = /\[\s*([a-z0-9-]+):([A-Za-z0-9_]+(?:\.(?:'[^'\\]*'|[A-Za-z0-9_]+))*)\s*(=|!=)\s*'((?:[^'\\]|\\['\\])*)'\s*\]/uy;
  let i = 0, n = 0;
  while (i < p.length) {
    comparison.lastIndex = i;
    const m = comparison.exec(p);
    if (!m) return `pattern does not parse at offset ${i}: ${JSON.stringify(p.slice(i, i + 40))}`;
    if (!OBSERVABLES.has(m[1]) && !m[1].startsWith("x-")) return `pattern names unknown object type ${m[1]}`;
    n++;
    i = comparison.lastIndex;
    const rest = /^\s+(AND|OR)\s+/u.exec(p.slice(i));
    if (!rest) break;
    i += rest[0].length;
  }
  if (i !== p.length) return `pattern has trailing text at offset ${i}`;
  return n ? null : "empty pattern";
}

function refsOf(obj) {
  const out = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k.endsWith("_ref") && typeof v === "string") out.push([k, v]);
    if (k.endsWith("_refs") && Array.isArray(v)) v.forEach((x, i) => out.push([`${k}[${i}]`, x]));
  }
  return out;
}

function semanticProblems(bundle) {
  const out = [];
  const byId = new Map();
  if ("spec_version" in bundle) out.push("bundle has spec_version (removed in STIX 2.1)");
  if (!UUID.test(bundle.id ?? "")) out.push(`bundle id ${bundle.id} is not bundle--UUID`);
  for (const o of bundle.objects) {
    if (byId.has(o.id)) out.push(`${o.id}: id used twice`);
    byId.set(o.id, o);
    if (!UUID.test(o.id) || !o.id.startsWith(`${o.type}--`)) out.push(`${o.id}: not ${o.type}--UUID`);
    if (o.spec_version !== "2.1") out.push(`${o.id}: spec_version ${o.spec_version}`);
    if (o.created && o.modified && Date.parse(o.modified) < Date.parse(o.created))
      out.push(`${o.id}: modified before created`);
    for (const [a, b] of [["first_seen", "last_seen"], ["first_observed", "last_observed"], ["valid_from", "valid_until"]])
      if (o[a] && o[b] && Date.parse(o[b]) < Date.parse(o[a])) out.push(`${o.id}: ${b} before ${a}`);
    if (o.type === "indicator" && o.pattern_type === "stix") {
      const why = patternProblem(o.pattern);
      if (why) out.push(`${o.id}: ${why}`);
    }
  }
  for (const o of bundle.objects) {
    for (const [k, ref] of refsOf(o)) {
      const t = byId.get(ref);
      if (!t) {
        out.push(`${o.id}: ${k} ${ref} is not in the bundle`);
        continue;
      }
      if (k === "created_by_ref" && t.type !== "identity") out.push(`${o.id}: created_by_ref is a ${t.type}`);
      if (k.startsWith("where_sighted_refs") && !["identity", "location"].includes(t.type))
        out.push(`${o.id}: ${k} is a ${t.type}`);
    }
    if (o.type === "relationship") {
      const s = byId.get(o.source_ref), t = byId.get(o.target_ref);
      if (s && t && !ALLOWED_RELATIONSHIPS.has(`${s.type} ${o.relationship_type} ${t.type}`))
        out.push(`${o.id}: ${s.type} ${o.relationship_type} ${t.type} is not a relationship of the specification`);
    }
  }
  return out;
}

function ajvProblems(validate, doc, where) {
  if (validate(doc)) return [];
  return validate.errors.slice(0, 5).map((e) => `${where}${e.instancePath || "/"} ${e.message}`);
}

let failed = 0;
for (const file of files) {
  let doc;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(file)));
  } catch (e) {
    console.log(`FAIL ${file}: not UTF-8 JSON (${e.message})`);
    failed++;
    continue;
  }
  const problems = [];
  if (doc?.type !== "bundle" || !Array.isArray(doc.objects)) {
    problems.push("not a bundle with objects");
  } else {
    // each object against its type's schema first: its errors name the object; then the
    // bundle as a whole (whose oneOf errors do not), then what the schemas cannot check
    for (const o of doc.objects) {
      const v = validatorFor(o.type);
      if (!v) problems.push(`${o.id}: no schema for type ${o.type}`);
      else problems.push(...ajvProblems(v, o, `${o.id}`));
      if (problems.length > 20) break;
    }
    if (problems.length === 0) problems.push(...ajvProblems(validateBundle, doc, "bundle"));
    if (problems.length === 0) problems.push(...semanticProblems(doc));
  }
  if (problems.length) {
    console.log(`FAIL ${file}: ${problems.slice(0, 20).join("; ")}`);
    failed++;
  } else {
    const count = new Map();
    for (const o of doc.objects) count.set(o.type, (count.get(o.type) ?? 0) + 1);
    const summary = [...count].sort().map(([t, n]) => `${t} ${n}`).join(", ");
    console.log(`ok ${file} (${doc.objects.length} objects: ${summary})`);
  }
}
process.exit(failed ? 1 : 0);
