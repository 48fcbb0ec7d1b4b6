// navigator.mjs — checks ATT&CK Navigator layer files against the project's layer-format 4.5
// schema (navigator-layer-4.5.schema.json, beside this file) with ajv, then the rules of the
// published description that a schema cannot express, and one rule of actorprint's own
// (showSubtechniques only on a parent whose sub-techniques are in the layer). Used by
// tests/golden/export_navigator.sh.
//
//   node tests/validate/navigator.mjs FILE...
//
// Prints one line per file ("ok FILE (1 layer, M technique entries)" or "FAIL FILE: reason; ...")
// and exits 0 when every file passed, 1 when one did not, 2 on misuse.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const here = dirname(fileURLToPath(import.meta.url));
const schema = JSON.parse(readFileSync(join(here, "navigator-layer-4.5.schema.json"), "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);

// "5.1.0" >= "4.9.0", component by component.
function versionAtLeast(v, min) {
  const a = v.split(".").map(Number), b = min.split(".").map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0, y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

// What the description requires beyond the schema.
function semanticProblems(layer, where) {
  const out = [];
  if (!versionAtLeast(layer.versions.navigator, "4.9.0"))
    out.push(`${where}versions.navigator ${layer.versions.navigator} is below 4.9.0`);
  const g = layer.gradient;
  if (g && !(g.maxValue > g.minValue))
    out.push(`${where}gradient.maxValue ${g.maxValue} is not above minValue ${g.minValue}`);
  const seen = new Set();
  const ids = new Set((layer.techniques ?? []).map((t) => t.techniqueID));
  (layer.techniques ?? []).forEach((t, i) => {
    const key = `${t.techniqueID}/${t.tactic ?? "*"}`;
    if (seen.has(key)) out.push(`${where}techniques[${i}]: ${key} listed twice`);
    seen.add(key);
    if (t.showSubtechniques !== undefined && t.techniqueID.includes("."))
      out.push(`${where}techniques[${i}]: showSubtechniques on sub-technique ${t.techniqueID}`);
    if (t.showSubtechniques === true &&
        ![...ids].some((id) => id.startsWith(t.techniqueID + ".")))
      out.push(`${where}techniques[${i}]: showSubtechniques on ${t.techniqueID} without sub-techniques in the layer`);
  });
  return out;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node navigator.mjs LAYER.json...");
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  let doc;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    console.log(`FAIL ${file}: not JSON (${e.message})`);
    failed++;
    continue;
  }
  const problems = [];
  if (!validate(doc)) {
    for (const e of validate.errors.slice(0, 10))
      problems.push(`${e.instancePath || "/"} ${e.message}`);
  } else {
    const layers = Array.isArray(doc) ? doc : [doc];
    layers.forEach((l, i) => problems.push(...semanticProblems(l, Array.isArray(doc) ? `[${i}].` : "")));
  }
  if (problems.length) {
    console.log(`FAIL ${file}: ${problems.join("; ")}`);
    failed++;
  } else {
    const layers = Array.isArray(doc) ? doc : [doc];
    const n = layers.reduce((s, l) => s + (l.techniques?.length ?? 0), 0);
    console.log(`ok ${file} (${layers.length} layer${layers.length === 1 ? "" : "s"}, ${n} technique entr${n === 1 ? "y" : "ies"})`);
  }
}
process.exit(failed ? 1 : 0);
