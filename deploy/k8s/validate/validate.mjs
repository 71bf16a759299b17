#!/usr/bin/env node
// Validates Ferry's Kubernetes manifests against the Kubernetes and KEDA JSON schemas.
//
//   node deploy/k8s/validate/validate.mjs deploy/k8s [more files or directories]
//
// Every document of every *.yaml / *.yml file given (directories: their files, not recursively)
// is parsed as YAML 1.1 (what kubectl reads: `0400` is octal), mapped from apiVersion + kind to
// its model class of kubernetes-models / @kubernetes-models/keda and checked in two passes:
//
//  1. schema: the model's JSON-schema validator (types, required fields, enums, formats such as
//     int32, the KEDA trigger's metadata being strings, ...). These schemas allow unknown fields.
//  2. strict: unknown fields. Every object whose type the models declare with named properties
//     (all of metadata, spec, the pod template, containers, probes, volumes, the ScaledObject's
//     triggers, ...) may hold only those properties. Maps (labels, data, resources.limits, a
//     trigger's metadata, ...) take any key. The models' types are read from their TypeScript
//     declarations, the same generated source as the schemas.
//
// Kustomize files (kustomization.yaml, kind Kustomization) are skipped with a note. An unknown
// apiVersion/kind, a document that is not a mapping, or YAML that does not parse is an error.
// Every problem is printed as FILE:DOCUMENT: PATH: MESSAGE (DOCUMENT counts from 0); the exit
// status is 1 if there was any, else 0 after the line "validated N documents in M files".

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

import { ConfigMap, Namespace, Secret, Service } from "kubernetes-models/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.join(here, "node_modules");

// apiVersion/kind -> the model class and the module declaring its type.
const KINDS = new Map([
  ["v1/Namespace", { model: Namespace, types: "kubernetes-models/v1/Namespace" }],
  ["v1/ConfigMap", { model: ConfigMap, types: "kubernetes-models/v1/ConfigMap" }],
  ["v1/Secret", { model: Secret, types: "kubernetes-models/v1/Secret" }],
  ["v1/Service", { model: Service, types: "kubernetes-models/v1/Service" }],
  ["apps/v1/StatefulSet", { model: StatefulSet, types: "kubernetes-models/apps/v1/StatefulSet" }],
  ["apps/v1/Deployment", { model: Deployment, types: "kubernetes-models/apps/v1/Deployment" }],
  ["keda.sh/v1alpha1/ScaledObject",
    { model: ScaledObject, types: "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject" }],
]);

// ---- The models' types, read from their .d.ts declarations --------------------------------
//
// A type is {kind: "object", file} (an interface with named properties), {kind: "inline",
// properties} (an object type written in place), {kind: "array", of}, {kind: "map", of} or
// {kind: "leaf"} (a scalar, a union of literals, an alias such as IntOrString or Quantity).

const LEAF = { kind: "leaf" };
const declarations = new Map(); // file -> {properties: Map(name -> type text), imports} | null

function declarationFile(specifier, fromFile) {
  const bare = specifier.replace(/\.js$/, "");
  if (bare.startsWith(".")) {
    return path.resolve(path.dirname(fromFile), `${bare}.d.ts`);
  }
  return path.join(nodeModules, `${bare}.d.ts`);
}

// The first `export interface` of a declaration file: its properties' types.
function readDeclaration(file) {
  if (declarations.has(file)) {
    return declarations.get(file);
  }
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    declarations.set(file, null);
    return null;
  }
  const imports = new Map();
  for (const match of text.matchAll(/^import \{([^}]*)\} from "([^"]+)";$/gm)) {
    for (const name of match[1].split(",").map((n) => n.trim()).filter(Boolean)) {
      imports.set(name, declarationFile(match[2], file));
    }
  }
  const start = text.search(/^export interface \w+(?: extends [\w, ]+)? \{$/m);
  if (start < 0) {
    declarations.set(file, null); // a type alias (IntOrString, Quantity, Time, ...)
    return null;
  }
  const lines = text.slice(start).split("\n");
  const declaration = { properties: readBlock(lines, 1, 4, imports).properties, imports };
  declarations.set(file, declaration);
  return declaration;
}

// The properties of the block starting at lines[i], each `"name"?: TYPE;` at `indent` spaces, up
// to the line closing the block. An inline `{ ... }` or `Array<{ ... }>` type is read here too:
// {kind: "map"} for an index signature, else {kind: "inline"} with its own properties.
function readBlock(lines, i, indent, imports) {
  const property = new RegExp(`^ {${indent}}"([^"]+)"\\??: (.*)$`);
  const indexSignature = new RegExp(`^ {${indent}}\\[key: string\\]: (.*);$`);
  const properties = new Map();
  let valueType = null;
  for (; i < lines.length && !new RegExp(`^ {${indent - 4}}\\}`).test(lines[i]); i++) {
    const index = indexSignature.exec(lines[i]);
    if (index) {
      valueType = index[1];
      continue;
    }
    const match = property.exec(lines[i]);
    if (!match) {
      continue; // doc comments
    }
    const typeText = match[2];
    const inline = /^(Array<)?\{$/.exec(typeText);
    if (!inline) {
      properties.set(match[1], typeText.replace(/;$/, ""));
      continue;
    }
    const block = readBlock(lines, i + 1, indent + 4, imports);
    i = block.end;
    const type = block.valueType !== null
      ? { kind: "map", of: block.valueType }
      : { kind: "inline", properties: block.properties, imports };
    properties.set(match[1], inline[1] ? { kind: "array", of: type } : type);
  }
  return { properties, valueType, end: i };
}

// A property's type: its text in the declaration, or an inline type read by readBlock.
function typeOf(type, declaration) {
  if (typeof type !== "string") {
    if (type.kind === "array" || type.kind === "map") {
      return { kind: type.kind, of: typeOf(type.of, declaration) };
    }
    return type; // inline
  }
  const array = /^Array<(.*)>$/.exec(type);
  if (array) {
    return { kind: "array", of: typeOf(array[1], declaration) };
  }
  const file = declaration.imports.get(type);
  if (file && readDeclaration(file)) {
    return { kind: "object", file };
  }
  return LEAF;
}

function isMapping(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// Unknown fields of `data` under `type`, as [path, message] pairs.
function unknownFields(data, type, at, problems) {
  if (type.kind === "array" && Array.isArray(data)) {
    data.forEach((item, i) => unknownFields(item, type.of, `${at}/${i}`, problems));
  } else if (type.kind === "map" && isMapping(data)) {
    for (const [key, value] of Object.entries(data)) {
      unknownFields(value, type.of, `${at}/${key}`, problems);
    }
  } else if ((type.kind === "object" || type.kind === "inline") && isMapping(data)) {
    const declaration = type.kind === "object" ? readDeclaration(type.file) : type;
    for (const [key, value] of Object.entries(data)) {
      const typeText = declaration.properties.get(key);
      if (typeText === undefined) {
        const known = [...declaration.properties.keys()].join(", ");
        problems.push([`${at}/${key}`, `unknown field "${key}" (known here: ${known})`]);
      } else {
        unknownFields(value, typeOf(typeText, declaration), `${at}/${key}`, problems);
      }
    }
  }
  // Anything else is a leaf, or a type mismatch the schema pass reports.
}

// ---- Files and documents -----------------------------------------------------------------

function manifestFiles(args) {
  const files = [];
  for (const arg of args) {
    if (fs.statSync(arg).isDirectory()) {
      for (const name of fs.readdirSync(arg).sort()) {
        if (/\.ya?ml$/.test(name) && fs.statSync(path.join(arg, name)).isFile()) {
          files.push(path.join(arg, name));
        }
      }
    } else {
      files.push(arg);
    }
  }
  return files;
}

function isKustomization(file, data) {
  return /^kustomization\.ya?ml$/.test(path.basename(file)) ||
    (isMapping(data) && data.kind === "Kustomization" &&
      String(data.apiVersion).startsWith("kustomize.config.k8s.io/"));
}

function validateDocument(data) {
  if (!isMapping(data)) {
    const what = Array.isArray(data) ? "a list" : typeof data;
    return [["/", `a manifest must be a mapping, not ${what}`]];
  }
  const entry = KINDS.get(`${data.apiVersion}/${data.kind}`);
  if (!entry) {
    const known = [...KINDS.keys()].map((k) => k.replace(/\/(\w+)$/, " $1")).join(", ");
    return [["/", `unknown apiVersion/kind "${data.apiVersion}" "${data.kind}" (this validator ` +
      `knows: ${known})`]];
  }
  const problems = [];
  try {
    new entry.model(data).validate();
  } catch (error) {
    if (!Array.isArray(error.errors)) {
      throw error;
    }
    for (const e of error.errors) {
      const detail = e.params?.missingProperty !== undefined ? "" :
        e.params?.allowedValues ? ` (${e.params.allowedValues.join(", ")})` : "";
      problems.push([e.instancePath || "/", `${e.message}${detail}`]);
    }
  }
  unknownFields(data, { kind: "object", file: declarationFile(entry.types, here) }, "", problems);
  return problems;
}

function main(args) {
  if (args.length === 0) {
    console.error("usage: node validate.mjs DIR_OR_FILE...");
    return 2;
  }
  let files;
  try {
    files = manifestFiles(args);
  } catch (error) {
    console.error(`validate: ${error.message}`);
    return 2;
  }
  let documents = 0;
  let checkedFiles = 0;
  let failures = 0;
  const report = (file, index, where, message) => {
    failures++;
    console.error(`${file}:${index}: ${where}: ${message}`);
  };
  for (const file of files) {
    const parsed = parseAllDocuments(fs.readFileSync(file, "utf8"), { version: "1.1" });
    const docs = Array.isArray(parsed) ? parsed : [parsed];
    let counted = false;
    docs.forEach((doc, index) => {
      if (doc.errors.length > 0) {
        for (const error of doc.errors) {
          report(file, index, "/", `YAML: ${error.message.split("\n")[0]}`);
        }
        return;
      }
      const data = doc.toJS({ maxAliasCount: -1 });
      if (data === null || data === undefined) {
        return; // an empty document (a trailing ---)
      }
      if (isKustomization(file, data)) {
        console.log(`${file}:${index}: skipped: a kustomize file, not a Kubernetes object`);
        return;
      }
      documents++;
      counted = true;
      for (const [where, message] of validateDocument(data)) {
        report(file, index, where, message);
      }
    });
    if (counted) {
      checkedFiles++;
    }
  }
  if (failures > 0) {
    console.error(`${failures} problem(s) in ${documents} documents of ${checkedFiles} files`);
    return 1;
  }
  console.log(`validated ${documents} documents in ${checkedFiles} files`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
