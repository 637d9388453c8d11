//! The "Repeats" field of the add and edit forms, and how a row names its rule.
//!
//! The form offers plain choices; "weekly" and "monthly" mean "on the weekday /
//! day of the month of the due date" (today when there is none), resolved when
//! the form is posted, since the due date can change in the same form. A task's
//! existing rule that those choices cannot express (several weekdays, say) is
//! offered as its own option, so editing the title never changes the rule.

use chrono::{Datelike, NaiveDate};
use todo_core::Recurrence;

/// One `<option>` of the Repeats select.
pub struct RepeatOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

const PLAIN: [(&str, &str); 5] = [
    ("", "Doesn't repeat"),
    ("daily", "Every day"),
    ("weekdays", "Every weekday"),
    ("weekly", "Weekly on the due day"),
    ("monthly", "Monthly on the due date"),
];

/// The form value that stands for `rule`.
pub fn form_value(rule: Option<&Recurrence>) -> String {
    match rule {
        None => String::new(),
        Some(Recurrence::Daily) => "daily".into(),
        Some(Recurrence::Weekdays) => "weekdays".into(),
        Some(other) => other.to_json(),
    }
}

/// The options, with `selected` (a form value) chosen; a rule given as JSON gets
/// an option of its own.
pub fn options(selected: &str) -> Vec<RepeatOption> {
    let mut options: Vec<RepeatOption> = PLAIN
        .iter()
        .map(|(value, label)| RepeatOption {
            value: (*value).into(),
            label: (*label).into(),
            selected: *value == selected,
        })
        .collect();
    if let Ok(rule) = Recurrence::parse_json(selected) {
        options.push(RepeatOption {
            value: selected.into(),
            label: format!("Repeats {}", rule.describe()),
            selected: true,
        });
    }
    options
}

/// Reads the posted value; `due_day` is the local date of the due date (or today).
pub fn parse(raw: &str, due_day: NaiveDate) -> Result<Option<Recurrence>, String> {
    match raw.trim() {
        "" => Ok(None),
        "daily" => Ok(Some(Recurrence::Daily)),
        "weekdays" => Ok(Some(Recurrence::Weekdays)),
        "weekly" => Recurrence::weekly([due_day.weekday()])
            .map(Some)
            .map_err(|e| e.message),
        "monthly" => Recurrence::monthly(i64::from(due_day.day()))
            .map(Some)
            .map_err(|e| e.message),
        json if json.starts_with('{') => Recurrence::parse_json(json)
            .map(Some)
            .map_err(|e| format!("Repeats: {}.", e.message)),
        other => Err(format!(
            "Repeats {other:?} is not a choice; pick one from the list."
        )),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Weekday;

    use super::*;

    #[test]
    fn plain_choices_resolve_against_the_due_day() {
        // 2031-01-16 is a Thursday.
        let day = NaiveDate::from_ymd_opt(2031, 1, 16).unwrap();
        assert_eq!(parse("", day), Ok(None));
        assert_eq!(parse("daily", day), Ok(Some(Recurrence::Daily)));
        assert_eq!(
            parse("weekly", day),
            Ok(Some(Recurrence::weekly([Weekday::Thu]).unwrap()))
        );
        assert_eq!(
            parse("monthly", day),
            Ok(Some(Recurrence::monthly(16).unwrap()))
        );
        assert!(parse("hourly", day).unwrap_err().contains("not a choice"));
    }

    #[test]
    fn an_existing_rule_survives_an_edit() {
        let rule = Recurrence::weekly([Weekday::Mon, Weekday::Thu]).unwrap();
        let value = form_value(Some(&rule));
        let opts = options(&value);
        let chosen: Vec<_> = opts.iter().filter(|o| o.selected).collect();
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].label, "Repeats weekly on Mon, Thu");
        let day = NaiveDate::from_ymd_opt(2031, 1, 16).unwrap();
        assert_eq!(parse(&value, day), Ok(Some(rule)));
        assert_eq!(form_value(Some(&Recurrence::Weekdays)), "weekdays");
        assert!(
            options("weekdays")
                .iter()
                .any(|o| o.selected && o.value == "weekdays")
        );
    }
}
