//! OSC 8 is off unless the runtime turns it on, so screens do not depend on the terminal that runs
//! the tests. Alone in its binary: it flips a process-wide switch.

mod drive;
mod ux_support;

use ux_support::*;

#[test]
fn screens_carry_osc_8_only_when_the_runtime_turned_it_on() {
    let s = generate_personal();
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| gitlab_token::ui::render(&s, f)).unwrap();
    let buf = terminal.backend().buffer().clone();
    let has_osc8 =
        |b: &ratatui::buffer::Buffer| b.content().iter().any(|c| c.symbol().contains("\x1b]8;;"));
    assert!(
        !has_osc8(&buf),
        "off by default, whatever the terminal running the tests"
    );
    gitlab_token::ui::links::set_hyperlinks(true);
    terminal.draw(|f| gitlab_token::ui::render(&s, f)).unwrap();
    let on = has_osc8(terminal.backend().buffer());
    gitlab_token::ui::links::set_hyperlinks(false);
    assert!(on, "the link's cells carry OSC 8 when on");
}
