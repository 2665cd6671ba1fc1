"""/projects: the team projects the user sees (the current one only, when one is chosen), each with
its members and their roles. Owners and admins create projects; a project's admins rename it,
delete it (or first move its workflows and credentials elsewhere) and manage its members.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from nicegui import ui

from models import Project
from services import projects, users
from services.projects import MEMBER_ROLES
from ui.components import REFUSALS, DataTable, Rights, attempt, closing_dialog, notify_refusal
from ui.frame import Frame, page_frame

ROLE_NAMES = {"admin": "Admin", "editor": "Editor", "viewer": "Viewer"}
DELETE_ALL = ""  # the transfer choice that deletes the contents with the project


def register(runtime: object) -> None:
    @ui.page("/projects")
    def projects_page(request: Request, project: str = "") -> None:
        with page_frame(request, "Projects", project=project) as frame:
            ProjectList(frame).show()


class ProjectList:
    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.runtime = frame.runtime
        self.actor = frame.actor
        self.rights = Rights(frame.runtime, frame.actor)

    def show(self) -> None:
        if self.rights.has("project:create"):
            with ui.row().classes("w-full justify-end"):
                ui.button("Create project", icon="add", on_click=self.create) \
                    .props("color=primary").mark("create-project")
        self.cards()

    @ui.refreshable_method
    def cards(self) -> None:
        try:
            visible = projects.list_projects(self.runtime.db, self.actor, limit=250)
        except REFUSALS as error:
            notify_refusal(error)
            visible = []
        teams = sorted((project for project in visible if project.type == "team"
                        and self.frame.project_id in ("", project.id)), key=lambda project: project.name.lower())
        if not teams:
            ui.label("No team projects here.").classes("text-grey-7")
        for project in teams:
            self._card(project)

    def _card(self, project: Project) -> None:
        scopes = self.rights.in_project(project.id)
        manage = "project:manage" in scopes
        with ui.card().classes("w-full").mark(f"project-{project.id}"):
            with ui.row().classes("w-full items-center"):
                ui.label(project.name).classes("text-lg font-semibold").mark(f"project-name-{project.id}")
                ui.space()
                ui.link("Workflows", f"/workflows?project={project.id}")
                if manage:
                    ui.button("Rename", icon="edit", on_click=lambda: self.rename(project)) \
                        .props("flat dense").mark(f"rename-{project.id}")
                if "project:delete" in scopes:
                    ui.button("Delete", icon="delete", on_click=lambda: self.ask_delete(project)) \
                        .props("flat dense color=negative").mark(f"delete-{project.id}")
            self._members(project, manage)

    def _members(self, project: Project, manage: bool) -> None:
        try:
            members = projects.list_members(self.runtime.db, self.actor, project.id)
        except REFUSALS as error:
            ui.label(str(error)).classes("text-negative")
            return
        table = DataTable(["Member", "Name", "Role", ""], marker=f"members-{project.id}")
        for member in members:
            user = member.user
            with table.row(marker=f"member-{project.id}-{user.id}"):
                table.cell(user.email)
                table.cell(" ".join(part for part in (user.first_name, user.last_name) if part))
                with table.cell():
                    if manage and member.role in MEMBER_ROLES:
                        ui.select(ROLE_NAMES, value=member.role,
                                  on_change=lambda event, uid=user.id: self.change_role(project, uid, event.value)) \
                            .props("dense borderless").mark(f"role-{project.id}-{user.id}")
                    else:
                        ui.label(ROLE_NAMES.get(member.role, member.role))
                with table.cell():
                    if manage:
                        ui.button(icon="person_remove", on_click=lambda uid=user.id: self.remove(project, uid)) \
                            .props("flat dense color=negative").tooltip("Remove") \
                            .mark(f"remove-{project.id}-{user.id}")
        if manage:
            self._add_member_row(project, {member.user.id for member in members})

    def _add_member_row(self, project: Project, current: set[str]) -> None:
        try:
            candidates = {user.id: user.email for user in users.list_users(self.runtime.db, self.actor, limit=1000)
                          if user.id not in current}
        except REFUSALS:
            return
        if not candidates:
            return
        with ui.row().classes("items-center gap-2"):
            person = ui.select(dict(sorted(candidates.items(), key=lambda item: item[1])), label="Add a member",
                               with_input=True).props("dense outlined").classes("w-72") \
                .mark(f"add-member-{project.id}")
            role = ui.select(ROLE_NAMES, value="editor", label="Role").props("dense outlined").classes("w-32") \
                .mark(f"add-role-{project.id}")

            def add() -> None:
                if not person.value:
                    person.error = "Choose a user"
                    return
                if attempt(lambda: projects.add_members(self.runtime.db, self.actor, project.id,
                                                        [(person.value, role.value)]),
                           done=f"Added {candidates[person.value]}"):
                    self.cards.refresh()

            ui.button("Add", icon="person_add", on_click=add).props("flat").mark(f"add-{project.id}")

    # --- actions ---------------------------------------------------------------------------------

    def create(self) -> None:
        self._name_dialog("Create project", "", lambda name: projects.create_project(
            self.runtime.db, self.actor, name), done="Project created")

    def rename(self, project: Project) -> None:
        self._name_dialog("Rename project", project.name, lambda name: projects.rename_project(
            self.runtime.db, self.actor, project.id, name), done="Project renamed")

    def _name_dialog(self, title: str, start: str, save_name: Callable[[str], object], *, done: str) -> None:
        dialog = closing_dialog()
        with dialog, ui.card().classes("w-96").mark("project-dialog"):
            ui.label(title).classes("text-lg font-semibold")
            name = ui.input("Name", value=start).classes("w-full").mark("project-name")

            def save() -> None:
                try:
                    save_name(name.value or "")
                except REFUSALS as error:
                    name.error = str(error).removeprefix("name:").strip()
                    return
                ui.notify(done, type="positive")
                self.cards.refresh()
                dialog.close()

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Save", on_click=save).props("color=primary").mark("project-save")
        dialog.open()

    def ask_delete(self, project: Project) -> None:
        destinations = {DELETE_ALL: "Nothing: delete its workflows and credentials too"}
        destinations |= {other.id: other.name for other in self.frame.projects if other.id != project.id
                         and {"workflow:create", "credential:create"} <= self.rights.in_project(other.id)}
        dialog = closing_dialog()
        with dialog, ui.card().classes("w-[28rem]").mark("delete-project-dialog"):
            ui.label(f"Delete the project '{project.name}'?").classes("text-lg font-semibold")
            ui.label("Its executions and variables go with it.").classes("text-grey-8")
            move_to = ui.select(destinations, value=DELETE_ALL, label="Move its workflows and credentials to") \
                .classes("w-full").mark("delete-project-transfer")

            def delete() -> None:
                if attempt(lambda: projects.delete_project(self.runtime.db, self.actor, project.id,
                                                           transfer_to=move_to.value or None),
                           done=f"Deleted '{project.name}'"):
                    dialog.close()
                    if self.frame.project_id == project.id:
                        ui.navigate.to("/projects")
                    else:
                        self.cards.refresh()

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Delete", on_click=delete).props("color=negative").mark("delete-project-confirm")
        dialog.open()

    def change_role(self, project: Project, user_id: str, role: str) -> None:
        if not attempt(lambda: projects.change_member_role(self.runtime.db, self.actor, project.id, user_id, role),
                       done="Role changed"):
            self.cards.refresh()  # the select goes back to the stored role

    def remove(self, project: Project, user_id: str) -> None:
        if attempt(lambda: projects.remove_member(self.runtime.db, self.actor, project.id, user_id),
                   done="Member removed"):
            self.cards.refresh()
