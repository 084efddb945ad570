"""Static checks of the composite GitHub Action (scripts/github-action/action.yml).

It cannot run here, so this checks it against the action metadata syntax GitHub documents
(https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions):
required keys, runs.using=composite, every `run` step with a `shell`, inputs and outputs well
formed, every ${{ inputs.X }} / ${{ steps.Y.outputs.Z }} declared; then shellcheck on each step's
script when shellcheck is installed.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ACTION = os.path.join(ROOT, "scripts", "github-action", "action.yml")

TOP_KEYS = {"name", "author", "description", "inputs", "outputs", "runs", "branding"}
STEP_KEYS = {"run", "shell", "uses", "with", "name", "id", "if", "env", "continue-on-error", "working-directory"}
INPUT_KEYS = {"description", "required", "default", "deprecationMessage"}
ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

try:
    import yaml
except ImportError:  # moto brings PyYAML; without it this check cannot read the file
    yaml = None


@unittest.skipIf(yaml is None, "PyYAML not installed")
class ActionMetadataTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(ACTION, encoding="utf-8") as f:
            cls.text = f.read()
        # YAML 1.1 reads a bare `on`/`yes` as a boolean: action.yml has none, but keep keys as strings
        cls.doc = yaml.safe_load(cls.text)

    def test_required_top_level_keys(self):
        self.assertIsInstance(self.doc, dict)
        self.assertLessEqual(set(self.doc), TOP_KEYS, "unknown top-level keys")
        for key in ("name", "description", "runs"):
            self.assertIn(key, self.doc)
        self.assertIsInstance(self.doc["name"], str)
        self.assertIsInstance(self.doc["description"], str)
        self.assertTrue(self.doc["description"].strip())

    def test_runs_is_a_composite_whose_run_steps_name_their_shell(self):
        runs = self.doc["runs"]
        self.assertEqual(runs.get("using"), "composite")
        steps = runs.get("steps")
        self.assertIsInstance(steps, list)
        self.assertTrue(steps)
        ids = set()
        for i, step in enumerate(steps):
            self.assertIsInstance(step, dict, f"step {i}")
            self.assertLessEqual(set(step), STEP_KEYS, f"step {i} has unknown keys")
            self.assertNotEqual("run" in step, "uses" in step, f"step {i}: exactly one of run / uses")
            if "run" in step:
                self.assertIn(step.get("shell"), {"bash", "sh", "pwsh", "python", "cmd", "powershell"}, f"step {i}: a run step needs shell")
            else:
                self.assertNotIn("shell", step)
                self.assertRegex(step["uses"], r"^[\w.-]+/[\w./-]+@[\w.-]+$|^\./|^docker://", f"step {i}: uses OWNER/REPO@REF")
            if "id" in step:
                self.assertRegex(step["id"], ID)
                self.assertNotIn(step["id"], ids, "step ids are unique")
                ids.add(step["id"])

    def test_inputs_and_outputs_are_well_formed(self):
        for name, spec in (self.doc.get("inputs") or {}).items():
            self.assertRegex(name, ID)
            self.assertIsInstance(spec, dict, name)
            self.assertLessEqual(set(spec), INPUT_KEYS, f"input {name}")
            self.assertIn("description", spec, f"input {name} needs a description")
            if "default" in spec:
                self.assertIsInstance(spec["default"], str, f"input {name}: defaults are strings")
            if "required" in spec:
                self.assertIsInstance(spec["required"], bool, f"input {name}")
        for name, spec in (self.doc.get("outputs") or {}).items():
            self.assertRegex(name, ID)
            self.assertIn("description", spec)
            self.assertIn("value", spec, f"output {name}: a composite action's output needs a value")

    def test_every_expression_names_a_declared_input_or_step(self):
        inputs = set(self.doc.get("inputs") or {})
        ids = {s["id"] for s in self.doc["runs"]["steps"] if "id" in s}
        for expr in EXPR.findall(self.text):
            for ref in re.findall(r"inputs\.([\w-]+)", expr):
                self.assertIn(ref, inputs, f"${{{{ {expr} }}}}")
            for ref in re.findall(r"steps\.([\w-]+)\.outputs", expr):
                self.assertIn(ref, ids, f"${{{{ {expr} }}}}")

    def test_inputs_never_pasted_into_a_script(self):
        for step in self.doc["runs"]["steps"]:
            if "run" in step:
                self.assertNotRegex(step["run"], r"\$\{\{\s*inputs\.", "pass inputs through env: no script injection")

    def test_the_verify_inputs_are_there(self):
        self.assertLessEqual({"env", "report", "allow-public", "probe"}, set(self.doc["inputs"]))

    def test_nothing_it_executes_comes_from_a_cache(self):
        # a cache is writable by any default-branch job: a planted jar or Maven plugin would run with the AWS role
        for step in self.doc["runs"]["steps"]:
            self.assertNotIn("actions/cache", step.get("uses", ""), "no executed cache")
            self.assertNotRegex(step.get("run", ""), r"actions/cache|touch -d", "no cached jar re-dated")
            with_ = step.get("with") or {}
            # setup-java's own `cache: maven` restores ~/.m2 from a cache too
            self.assertNotIn("cache", with_, "no cache input")
            self.assertFalse(any(".m2" in str(v) or "target" in str(v) for v in with_.values()), "no cached build")

    def test_every_uses_is_a_commit_sha_in_the_action_and_the_manuals_workflows(self):
        pinned = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
        for step in self.doc["runs"]["steps"]:
            if "uses" in step and not step["uses"].startswith("./"):
                self.assertRegex(step["uses"], pinned, "action.yml")
        docs = [os.path.join(ROOT, "README.md")]
        for folder, _, files in os.walk(os.path.join(ROOT, "src", "site", "markdown")):
            docs += [os.path.join(folder, f) for f in files if f.endswith(".md")]
        seen = 0
        for path in docs:
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    m = re.match(r"^\s*-?\s*uses:\s*(\S+)", line)
                    if not m:
                        continue
                    seen += 1
                    ref = m.group(1)
                    # this repository's own action: the reader pins the commit they reviewed
                    if ref.startswith("OWNER/secure-api/"):
                        self.assertTrue(ref.endswith("@COMMIT_SHA") or pinned.match(ref), f"{path}:{n}: {ref}")
                        continue
                    self.assertRegex(ref, pinned, f"{path}:{n}")
        self.assertGreater(seen, 0, "the manual's workflows were found")

    def _run_verify_step(self, **inputs):
        """The verify step's script, run by bash with a stand-in secure-api that prints its arguments."""
        step = next(s for s in self.doc["runs"]["steps"] if s.get("id") == "verify")
        with tempfile.TemporaryDirectory() as src:
            os.makedirs(os.path.join(src, "scripts"))
            stub = os.path.join(src, "scripts", "secure-api")
            with open(stub, "w", encoding="utf-8") as f:
                f.write('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
            os.chmod(stub, 0o755)
            out = os.path.join(src, "github-output")
            env = {"PATH": os.environ["PATH"], "SECURE_API_SRC": src, "GITHUB_OUTPUT": out, "INPUT_ENV": "", "INPUT_CONFIG": "secure-api.json",
                   "INPUT_REPORT": "", "INPUT_ALLOW_PUBLIC": "", "INPUT_PROBE": "false"}
            env.update(inputs)
            r = subprocess.run(["bash", "-c", step["run"]], env=env, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out, "a+", encoding="utf-8") as f:
                f.seek(0)
                outputs = f.read()
            return r.stdout.splitlines(), outputs

    def test_verify_step_turns_the_inputs_into_verify_arguments(self):
        args, outputs = self._run_verify_step(INPUT_ENV="all", INPUT_ALLOW_PUBLIC="GET /health\n   POST /hooks/{id}  \n\n",
                                              INPUT_PROBE="true", INPUT_REPORT="reports/v.xml")
        self.assertEqual(args, ["verify", "--config", "secure-api.json", "--no-color", "--all", "--allow-public", "GET /health",
                                "--allow-public", "POST /hooks/{id}", "--probe", "--output", "junit", "--report", "reports/v.xml"])
        self.assertIn("report=reports/v.xml", outputs)
        args, outputs = self._run_verify_step(INPUT_ENV="prod")
        self.assertEqual(args, ["verify", "--config", "secure-api.json", "--no-color", "--env", "prod"])
        self.assertNotIn("report=", outputs)

    def test_probe_key_reaches_verify_only_through_the_environment(self):
        self.assertIn("probe-key", self.doc["inputs"])
        step = next(s for s in self.doc["runs"]["steps"] if s.get("id") == "verify")
        self.assertEqual(step["env"].get("SECURE_API_PROBE_KEY"), "${{ inputs.probe-key }}")
        key = "sak_ci_probe_key_never_echoed_0123456789"
        args, _ = self._run_verify_step(INPUT_PROBE="true", SECURE_API_PROBE_KEY=key)
        self.assertNotIn(key, "\n".join(args), "never an argument")
        self.assertIn("--probe", args)

    @unittest.skipIf(shutil.which("shellcheck") is None, "shellcheck not installed")
    def test_step_scripts_pass_shellcheck(self):
        for i, step in enumerate(self.doc["runs"]["steps"]):
            if step.get("shell") != "bash":
                continue
            script = EXPR.sub("x", step["run"])
            with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
                f.write("#!/usr/bin/env bash\n" + script)
            try:
                r = subprocess.run(["shellcheck", f.name], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, f"step {i} ({step.get('name')}):\n{r.stdout}{r.stderr}")
            finally:
                os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
