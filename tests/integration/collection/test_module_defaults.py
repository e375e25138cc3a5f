"""`module_defaults: group/backoffice.dbops.prisma` sets the shared options of every Prisma module, the wait too."""

from ansible_collections.backoffice.dbops.tests.support.ansible_run import run_playbook

PLAYBOOK = """
- name: Shared options through the action group
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/backoffice.dbops.prisma:
      database_url: "{{ url }}"
      migrations_dir: "{{ migrations }}"
  tasks:
    - name: Wait
      backoffice.dbops.wait_for_database:
        timeout: 5
    - name: Read
      backoffice.dbops.prisma_migration_info:
      register: before
    - name: Resolve
      backoffice.dbops.prisma_migration_resolve:
        migration: 20201127134938_added_bio_index
    - name: Read again
      backoffice.dbops.prisma_migration_info:
      register: after
    - name: Check
      ansible.builtin.assert:
        that:
          - before.blocked
          - not after.blocked
"""


def test_action_group_defaults(make_backend, tmp_path):
    backend = make_backend("sqlite")
    migrations = backend.p3009(tmp_path)
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(PLAYBOOK)
    run = run_playbook(str(playbook), {"url": backend.referee_url, "migrations": str(migrations)})
    assert run.rc == 0, run.output
    assert "changed=1" in run.stdout
