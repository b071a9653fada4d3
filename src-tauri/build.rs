// Every command the UI may call is listed here, so Tauri generates an `allow-<command>`
// permission for each; the capability in capabilities/main.json grants exactly these to the main
// window. A command missing from either place cannot be called from the UI.
const COMMANDS: &[&str] = &[
    "lock_screen",
    "create_store",
    "protect_store",
    "unlock",
    "lock_app",
    "set_lang",
    "ui_ready",
    "sync_status",
    "work_list",
    "search",
    "villages",
    "register_household",
    "household_detail",
    "teams",
    "catalog",
    "preview_contract",
    "sign_contract",
    "print_agreement",
    "print_contact_card",
    "print_termination",
    "due_for_household",
    "record_visit",
    "renew_contract",
    "change_doctor",
    "terminate_contract",
    "decline_renewal",
    "draft_save",
    "draft_load",
    "draft_clear",
    "sync_overview",
    "sync_settings",
    "enroll_device",
    "enroll_from_file",
    "forget_enrollment",
    "sync_now",
    "refusals",
    "mark_refusals_read",
    "settle_refusal",
    "report",
    "drill_down",
    "indicator_targets",
    "set_indicator_targets",
    "export_xlsx",
    "stage_import",
    "preview_import",
    "import_roster",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build step failed: {e:#}");
    }
}
