#!/usr/bin/env python3
"""test_k8s.py — deploy/k8s/ checked without a cluster (there is none here, and kubectl's
client-side dry run still asks an API server to map kinds to resources: it cannot check a
manifest offline).

  - every manifest is well-formed YAML (python3-yaml) and every field of every object is one
    the Kubernetes API knows, with a value of its type: the object models of Debian's Kubernetes
    client (python3-kubernetes, API 1.22) are the schema, and the few Job fields newer than it
    (backoffLimitPerIndex and maxFailedIndexes, Kubernetes 1.28+) are named here with their
    types;
  - what the recipe rests on: an Indexed Job, the completion index and the completions as
    --shard I/N of one campaign, the database URI from the Secret's key, resource requests,
    backoffLimitPerIndex (which needs restartPolicy Never);
  - the Dockerfile builds from Debian 12 and installs the project's .deb of make deb.
"""
import glob
import os
import re
import unittest

import kubernetes.client as k8s
import yaml

import p3s

DIR = os.path.join(p3s.SRC, "deploy", "k8s")
# Fields of the Job API newer than the client's models (Kubernetes 1.28, beta 1.29, GA 1.33).
NEWER = {("V1JobSpec", "backoffLimitPerIndex"): int, ("V1JobSpec", "maxFailedIndexes"): int}
SCALARS = {"str": str, "int": int, "bool": bool, "float": (int, float), "object": object}


def check(value, typ, path, errors):
    """value against the client's type name typ ("V1Job", "list[V1Container]", "dict(str, str)"),
    appending what is wrong to errors."""
    if typ.startswith("list["):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list")
            return
        for i, v in enumerate(value):
            check(v, typ[5:-1], f"{path}[{i}]", errors)
        return
    if typ.startswith("dict("):
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map")
            return
        inner = typ[5:-1].split(", ", 1)[1]
        for key, v in value.items():
            check(v, inner, f"{path}.{key}", errors)
        return
    if typ in SCALARS:
        if typ == "str" and path.endswith((".cpu", ".memory")) and isinstance(value, (int, str)):
            return  # a quantity: 1 or "500m"
        if not isinstance(value, SCALARS[typ]) or (typ == "int" and isinstance(value, bool)):
            errors.append(f"{path}: expected {typ}, got {value!r}")
        return
    model = getattr(k8s, typ, None)
    if model is None:
        errors.append(f"{path}: unknown type {typ}")
        return
    if not isinstance(value, dict):
        errors.append(f"{path}: expected an object ({typ})")
        return
    by_json = {j: a for a, j in model.attribute_map.items()}
    for key, v in value.items():
        if (typ, key) in NEWER:
            if not isinstance(v, NEWER[(typ, key)]):
                errors.append(f"{path}.{key}: expected {NEWER[(typ, key)].__name__}")
            continue
        if key not in by_json:
            errors.append(f"{path}.{key}: not a field of {typ}")
            continue
        check(v, model.openapi_types[by_json[key]], f"{path}.{key}", errors)


def documents():
    docs = []
    for path in sorted(glob.glob(os.path.join(DIR, "*.yaml"))):
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    docs.append((os.path.basename(path), doc))
    return docs


class K8sTest(unittest.TestCase):

    def setUp(self):
        self.docs = documents()
        self.by_kind = {}
        for name, doc in self.docs:
            self.by_kind.setdefault(doc["kind"], []).append(doc)

    def test_every_field_known(self):
        self.assertEqual(sorted(self.by_kind), ["ConfigMap", "Job", "Secret"])
        for name, doc in self.docs:
            version = doc["apiVersion"].split("/")[-1].capitalize()  # batch/v1 -> V1
            errors = []
            check(doc, f"{version}{doc['kind']}", f"{name}:{doc['kind']}", errors)
            self.assertEqual(errors, [], name)
            self.assertIn("name", doc["metadata"])

    def test_a_typo_is_caught(self):
        job = dict(self.by_kind["Job"][0])
        job["spec"] = dict(job["spec"], completionsMode="Indexed", parallelism="16")
        errors = []
        check(job, "V1Job", "job", errors)
        self.assertEqual(sorted(errors), ["job.spec.completionsMode: not a field of V1JobSpec",
                                          "job.spec.parallelism: expected int, got '16'"])

    def test_indexed_job_maps_to_shards(self):
        job = self.by_kind["Job"][0]
        spec = job["spec"]
        self.assertEqual(spec["completionMode"], "Indexed")
        n = spec["completions"]
        self.assertGreater(spec["backoffLimitPerIndex"], 0)
        pod = spec["template"]["spec"]
        self.assertEqual(pod["restartPolicy"], "Never")  # backoffLimitPerIndex needs it
        (c,) = pod["containers"]
        line = " ".join(c["command"] + c["args"])
        self.assertIn(f'--shard "$JOB_COMPLETION_INDEX/{n}"', line)
        campaign = re.search(r"--campaign (\S+)", line).group(1)
        self.assertIn(campaign, job["metadata"]["name"])
        self.assertIn('--db "$P3S_DB"', line)
        (env,) = [e for e in c["env"] if e["name"] == "P3S_DB"]
        ref = env["valueFrom"]["secretKeyRef"]
        (secret,) = self.by_kind["Secret"]
        self.assertEqual(ref["name"], secret["metadata"]["name"])
        self.assertIn(ref["key"], secret["stringData"])
        self.assertTrue(secret["stringData"][ref["key"]].startswith("postgresql://"))
        self.assertIn("cpu", c["resources"]["requests"])
        self.assertIn("memory", c["resources"]["requests"])
        self.assertIn("memory", c["resources"]["limits"])
        # every mounted volume is defined, the exclusion list among them
        names = {v["name"] for v in pod["volumes"]}
        self.assertTrue({m["name"] for m in c["volumeMounts"]} <= names)
        self.assertIn("--exclude-file /etc/pop3scan/exclude.txt", line)

    def test_the_options_exist(self):
        """Every option of the Job's command line is one pop3scan takes."""
        job = self.by_kind["Job"][0]
        line = " ".join(job["spec"]["template"]["spec"]["containers"][0]["args"])
        usage = p3s.scan("--help", jsonl=False).stdout.decode()
        for opt in re.findall(r"(--[a-z-]+)", line):
            self.assertIn(opt, usage)

    def test_dockerfile(self):
        with open(os.path.join(DIR, "Dockerfile")) as f:
            text = f.read()
        lines = [l for l in text.splitlines() if l.strip() and not l.startswith("#")]
        self.assertRegex(lines[0], r"^FROM debian:(12|bookworm)(-slim)?$")
        self.assertIn("COPY build/deb/pop3scan_*.deb /tmp/", text)
        self.assertRegex(text, r"apt-get install -y --no-install-recommends /tmp/pop3scan_\*\.deb")
        self.assertIn("USER 65534:65534", text)
        self.assertIn('ENTRYPOINT ["pop3scan"]', text)


if __name__ == "__main__":
    p3s.main()
