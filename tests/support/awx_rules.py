"""AWX's own rules for what awx/job_templates.yml creates, encoded from AWX's source (no AWX runs here).

- MODULE_OPTIONS: the argument specs of the awx.awx 24.6.1 modules the playbook uses (plugins/modules/<name>.py,
  `argument_spec = dict(...)`), minus the controller connection options it does not set. Stand-in modules with these
  specs let Ansible's own validation check every option name, type and choice.
- survey_spec_errors, element_errors, accept_or_ignore_variables, survey_defaults: transcriptions of
  awx/main/models/mixins.py (SurveyJobTemplateMixin: survey_variable_validation, _survey_element_validation,
  _accept_or_ignore_variables, _update_unified_job_kwargs), the checks AWX applies when a workflow node's
  extra_data is saved (LaunchConfigurationBaseSerializer.validate, `required` errors excluded) and when a template
  or workflow is launched.
- job_variables: the precedence of WorkflowJobNode.get_job_kwargs for a job a workflow spawns, lowest first: the
  job template's extra_vars, its valid survey defaults, the node's extra_data (only what the template accepts),
  ancestors' set_stats artifacts, then the workflow job's own variables (its extra_vars, its valid survey defaults,
  the answers accepted at launch), which bypass the job template's prompts.
- job_collections_path: the ANSIBLE_COLLECTIONS_PATH of a job (RunJob.build_env in awx/main/tasks/jobs.py, with
  read_ansible_config of awx/main/utils/ansible.py): what decides whose copy of a collection a job runs.
"""

from __future__ import annotations

import configparser
import os

AWX_AWX_VERSION = "24.6.1"


def _opt(kind="str", choices=None, required=False, aliases=(), elements=None):
    spec = {"type": kind, "required": required}
    if choices is not None:
        spec["choices"] = choices
    if aliases:
        spec["aliases"] = list(aliases)
    if elements:
        spec["elements"] = elements
    return spec


_STATE = _opt(choices=["present", "absent", "exists"])
_NOTIFICATIONS = {
    f"notification_templates_{when}": _opt("list", elements="str") for when in ("started", "success", "error")
}
MODULE_OPTIONS = {
    "execution_environment": {
        "name": _opt(required=True), "new_name": _opt(), "image": _opt(), "description": _opt(),
        "organization": _opt(), "credential": _opt(), "state": _STATE,
        "pull": _opt(choices=["always", "missing", "never"]),
    },
    "project": {
        "name": _opt(required=True), "new_name": _opt(), "copy_from": _opt(), "description": _opt(),
        "scm_type": _opt(choices=["manual", "git", "svn", "insights", "archive"]), "scm_url": _opt(),
        "local_path": _opt(), "scm_branch": _opt(), "scm_refspec": _opt(),
        "credential": _opt(aliases=["scm_credential"]), "scm_clean": _opt("bool"),
        "scm_delete_on_update": _opt("bool"), "scm_track_submodules": _opt("bool"),
        "scm_update_on_launch": _opt("bool"), "scm_update_cache_timeout": _opt("int"),
        "allow_override": _opt("bool", aliases=["scm_allow_override"]), "timeout": _opt("int", aliases=["job_timeout"]),
        "default_environment": _opt(), "custom_virtualenv": _opt(), "organization": _opt(), **_NOTIFICATIONS,
        "state": _STATE, "wait": _opt("bool"), "update_project": _opt("bool"), "interval": _opt("float"),
        "signature_validation_credential": _opt(),
    },
    "inventory": {
        "name": _opt(required=True), "new_name": _opt(), "copy_from": _opt(), "description": _opt(),
        "organization": _opt(required=True), "variables": _opt("dict"),
        "kind": _opt(choices=["", "smart", "constructed"]), "host_filter": _opt(),
        "instance_groups": _opt("list", elements="str"), "prevent_instance_group_fallback": _opt("bool"),
        "state": _STATE, "input_inventories": _opt("list", elements="str"),
    },
    "inventory_source": {
        "name": _opt(required=True), "new_name": _opt(), "description": _opt(), "inventory": _opt(required=True),
        "source": _opt(choices=["scm", "ec2", "gce", "azure_rm", "vmware", "satellite6", "openstack", "rhv",
                                "controller", "insights", "terraform", "openshift_virtualization"]),
        "source_path": _opt(), "source_vars": _opt("dict"), "enabled_var": _opt(), "enabled_value": _opt(),
        "host_filter": _opt(), "limit": _opt(), "credential": _opt(), "execution_environment": _opt(),
        "custom_virtualenv": _opt(), "organization": _opt(), "overwrite": _opt("bool"), "overwrite_vars": _opt("bool"),
        "timeout": _opt("int"), "verbosity": _opt("int", choices=[0, 1, 2]), "update_on_launch": _opt("bool"),
        "update_cache_timeout": _opt("int"), "source_project": _opt(), "scm_branch": _opt(), **_NOTIFICATIONS,
        "state": _STATE,
    },
    "credential": {
        "name": _opt(required=True), "new_name": _opt(), "copy_from": _opt(), "description": _opt(),
        "organization": _opt(), "credential_type": _opt(required=True), "inputs": _opt("dict"),
        "update_secrets": _opt("bool"), "user": _opt(), "team": _opt(), "state": _STATE,
    },
    "job_template": {
        "name": _opt(required=True), "new_name": _opt(), "copy_from": _opt(), "description": _opt(),
        "organization": _opt(), "job_type": _opt(choices=["run", "check"]), "inventory": _opt(), "project": _opt(),
        "playbook": _opt(), "credential": _opt(), "vault_credential": _opt(),
        "credentials": _opt("list", elements="str"),
        "execution_environment": _opt(), "custom_virtualenv": _opt(), "instance_groups": _opt("list", elements="str"),
        "forks": _opt("int"), "limit": _opt(), "verbosity": _opt("int", choices=[0, 1, 2, 3, 4, 5]),
        "extra_vars": _opt("dict"), "job_tags": _opt(),
        "force_handlers": _opt("bool", aliases=["force_handlers_enabled"]),
        "skip_tags": _opt(), "start_at_task": _opt(), "timeout": _opt("int"),
        "use_fact_cache": _opt("bool", aliases=["fact_caching_enabled"]), "host_config_key": _opt(),
        **{
            f"ask_{prompt}_on_launch": _opt("bool", aliases=[f"ask_{alias}"])
            for prompt, alias in (
                ("diff_mode", "diff_mode"), ("variables", "extra_vars"), ("limit", "limit"), ("tags", "tags"),
                ("skip_tags", "skip_tags"), ("job_type", "job_type"), ("verbosity", "verbosity"),
                ("inventory", "inventory"), ("credential", "credential"),
                ("execution_environment", "execution_environment"), ("forks", "forks"),
                ("instance_groups", "instance_groups"), ("job_slice_count", "job_slice_count"), ("labels", "labels"),
                ("timeout", "timeout"),
            )
        },
        "survey_enabled": _opt("bool"), "survey_spec": _opt("dict"), "become_enabled": _opt("bool"),
        "diff_mode": _opt("bool", aliases=["diff_mode_enabled"]),
        "allow_simultaneous": _opt("bool", aliases=["concurrent_jobs_enabled"]), "scm_branch": _opt(),
        "ask_scm_branch_on_launch": _opt("bool"), "job_slice_count": _opt("int"),
        "webhook_service": _opt(choices=["github", "gitlab", ""]), "webhook_credential": _opt(),
        "labels": _opt("list", elements="str"), **_NOTIFICATIONS, "prevent_instance_group_fallback": _opt("bool"),
        "state": _STATE,
    },
    "workflow_job_template": {
        "name": _opt(required=True), "new_name": _opt(), "copy_from": _opt(), "description": _opt(),
        "extra_vars": _opt("dict"), "job_tags": _opt(), "skip_tags": _opt(), "organization": _opt(),
        "survey_spec": _opt("dict", aliases=["survey"]), "survey_enabled": _opt("bool"),
        "allow_simultaneous": _opt("bool"), "ask_variables_on_launch": _opt("bool"),
        "ask_labels_on_launch": _opt("bool", aliases=["ask_labels"]),
        "ask_tags_on_launch": _opt("bool", aliases=["ask_tags"]),
        "ask_skip_tags_on_launch": _opt("bool", aliases=["ask_skip_tags"]), "inventory": _opt(), "limit": _opt(),
        "scm_branch": _opt(), "ask_inventory_on_launch": _opt("bool"), "ask_scm_branch_on_launch": _opt("bool"),
        "ask_limit_on_launch": _opt("bool"), "webhook_service": _opt(choices=["github", "gitlab"]),
        "webhook_credential": _opt(), "labels": _opt("list", elements="str"), **_NOTIFICATIONS,
        "notification_templates_approvals": _opt("list", elements="str"),
        "workflow_nodes": _opt("list", elements="dict", aliases=["schema"]),
        "destroy_current_nodes": _opt("bool", aliases=["destroy_current_schema"]), "state": _STATE,
    },
}  # fmt: skip

# workflow_job_template.py (create_workflow_nodes, create_workflow_nodes_association, DOCUMENTATION): the keys a
# workflow_nodes item may have, and the unified job template types it can point at.
NODE_KEYS = {
    "identifier", "extra_data", "inventory", "execution_environment", "scm_branch", "job_type", "job_tags",
    "skip_tags", "limit", "diff_mode", "verbosity", "forks", "job_slice_count", "timeout",
    "all_parents_must_converge", "state", "unified_job_template", "related",
}  # fmt: skip
NODE_TEMPLATE_TYPES = {
    "job_template", "workflow_job_template", "project", "inventory_source", "system_job_template", "workflow_approval"
}  # fmt: skip
NODE_RELATIONS = {"success_nodes", "failure_nodes", "always_nodes", "credentials", "labels", "instance_groups"}
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def survey_spec_errors(spec: dict) -> list[str]:
    """What AWX refuses in a survey spec when a template is saved or launched."""
    errors = [f"'{key}' missing from survey spec." for key in ("name", "description") if key not in spec]
    if not isinstance(spec.get("spec"), list):
        return [*errors, "'spec' must be a list of items."]
    seen = set()
    for element in spec["spec"]:
        for key in ("type", "question_name", "variable", "required"):
            if key not in element:
                errors.append(f"'{key}' missing from survey question {element}.")
        if element.get("type") not in SURVEY_TYPES:
            errors.append(f"'{element.get('type')}' is not a survey question type.")
        if element.get("variable") in seen:
            errors.append(f"Duplicate survey variable {element.get('variable')}.")
        seen.add(element.get("variable"))
        default = element.get("default")
        if element.get("type") == "multiplechoice" and default not in ("", None) and default not in choices(element):
            errors.append(f"Default choice {default} of {element['variable']} is not one of its choices.")
    return errors


def choices(element: dict) -> list:
    listed = element.get("choices", [])
    return [choice for choice in listed.splitlines() if choice.strip()] if isinstance(listed, str) else list(listed)


def element_errors(element: dict, data: dict, validate_required: bool = True) -> list[str]:
    """_survey_element_validation for the question types the templates use."""
    variable = element["variable"]
    if variable not in data:
        return [f"'{variable}' value missing"] if element["required"] and validate_required else []
    value = data[variable]
    if element["type"] in ("text", "textarea", "password"):
        if not isinstance(value, str):
            return [f"Value {value} for '{variable}' expected to be a string."]
        errors = []
        if element.get("min") not in ("", None) and len(value) < int(element["min"]):
            errors.append(f"'{variable}' value {value} is too small")
        if element.get("max") not in ("", None) and len(value) > int(element["max"]):
            errors.append(f"'{variable}' value {value} is too large")
        return errors
    if element["type"] == "multiplechoice" and value not in choices(element):
        return [f"Value {value} for '{variable}' expected to be one of {choices(element)}."]
    return []


def accept_or_ignore_variables(template: dict, data: dict, exclude_errors=()) -> tuple[dict, dict, dict]:
    """(accepted, rejected, errors) for variables given to `template` at launch (or as a node's extra_data)."""
    extra_vars, accepted, rejected, errors = dict(data), {}, {}, {}
    spec = template.get("survey_spec") or {}
    if template.get("survey_enabled") and spec:
        survey_errors = []
        for element in spec.get("spec", []):
            key = element.get("variable")
            found = element_errors(element, data, validate_required="required" not in exclude_errors)
            if found:
                survey_errors += found
                if key in extra_vars:
                    rejected[key] = extra_vars.pop(key)
            elif key in extra_vars:
                accepted[key] = extra_vars.pop(key)
        if survey_errors:
            errors["variables_needed_to_start"] = survey_errors
    if template.get("ask_variables_on_launch"):
        accepted.update(extra_vars)
        extra_vars = {}
    own = template.get("extra_vars") or {}
    for key in set(own) & set(extra_vars):
        if own[key] == extra_vars[key]:
            extra_vars.pop(key)
    if extra_vars:
        rejected.update(extra_vars)
        if "prompts" not in exclude_errors:
            errors["extra_vars"] = [
                f"Variables {', '.join(map(str, extra_vars))} are not allowed on launch. Check the Prompt on Launch "
                "setting to include Extra Variables."
            ]
    return accepted, rejected, errors


def survey_defaults(template: dict) -> dict:
    """The survey defaults a launch fills in: only those that pass their own question's validation."""
    spec = template.get("survey_spec") or {}
    if not (template.get("survey_enabled") and "spec" in spec):
        return {}
    return {
        element["variable"]: element["default"]
        for element in spec["spec"]
        if element.get("default") is not None and not element_errors(element, {element["variable"]: element["default"]})
    }


def launch_variables(template: dict, answers: dict) -> dict:
    """A template's or workflow's job variables after a launch AWX accepted: extra_vars < defaults < answers."""
    return {**(template.get("extra_vars") or {}), **survey_defaults(template), **answers}


def job_variables(job_template: dict, node: dict, workflow_job_variables: dict, artifacts: dict | None = None) -> dict:
    """The variables of the job a workflow node spawns (WorkflowJobNode.get_job_kwargs)."""
    accepted, _rejected, _errors = accept_or_ignore_variables(
        job_template, node.get("extra_data") or {}, exclude_errors=("required", "prompts")
    )
    return {
        **launch_variables(job_template, {}),
        **accepted,
        **(artifacts or {}),
        **workflow_job_variables,
    }


# -- Where a job's collections come from: RunJob.build_env (awx/main/tasks/jobs.py) ------------------------------

# Inside the job's container: the private data dir is mounted at /runner; an EE's collections are in
# /usr/share/ansible/collections (ansible-builder's galaxy stage installs them there).
CONTAINER_ROOT = "/runner"
EE_COLLECTIONS = "/usr/share/ansible/collections"
DEFAULT_COLLECTIONS_PATH = f"~/.ansible/collections:{EE_COLLECTIONS}"


def project_config(project_dir: str, variables: tuple[str, ...]) -> dict:
    """awx/main/utils/ansible.py read_ansible_config: [defaults] of /etc/ansible/ansible.cfg, then the project's."""
    parser = configparser.ConfigParser()
    parser.read(["/etc/ansible/ansible.cfg", os.path.join(project_dir, "ansible.cfg")])
    if not parser.has_section("defaults"):
        return {}
    return {variable: parser["defaults"][variable] for variable in variables if variable in parser["defaults"]}


def job_collections_path(project_dir: str, *, runner_root: str, ee_collections: str) -> str:
    """ANSIBLE_COLLECTIONS_PATH as AWX sets it for a job, with the container's /runner and the EE's collections
    folder mapped to `runner_root` and `ee_collections`: the job's requirements_collections (the project's
    collections/requirements.yml), then the project's ansible.cfg collections_path, then ~/.ansible/collections and
    the EE's. A relative entry (./.collections) is relative to the job's working directory, the project."""
    paths = DEFAULT_COLLECTIONS_PATH.split(":")
    configured = project_config(project_dir, ("collections_path",))
    if "collections_path" in configured:
        for path in configured["collections_path"].split(":"):
            if path not in paths:
                paths = [configured["collections_path"], *paths]
    paths = [os.path.join(CONTAINER_ROOT, "requirements_collections"), *paths]
    mapped = [
        ee_collections if path == EE_COLLECTIONS else runner_root + path[len(CONTAINER_ROOT) :]
        if path.startswith(CONTAINER_ROOT + "/") else path
        for path in ":".join(paths).split(":")
    ]  # fmt: skip
    return ":".join(mapped)
