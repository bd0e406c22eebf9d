//! Terminal state shared with the panic hook: when the UI has the terminal in raw mode and the
//! alternate screen, a panic must put it back before anything is printed.

use std::sync::atomic::{AtomicBool, Ordering};

static UI_ACTIVE: AtomicBool = AtomicBool::new(false);

pub fn set_ui_active(active: bool) {
    UI_ACTIVE.store(active, Ordering::SeqCst);
}

/// Restores the terminal if the UI had taken it over; a no-op otherwise.
pub fn restore() {
    if UI_ACTIVE.swap(false, Ordering::SeqCst) {
        ratatui::restore();
    }
}
