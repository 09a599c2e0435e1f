"""The agreement's year (årshjul, issue 15 part 3): every deadline of the rulebook in force with each party's status
derived from the records, the pages per agreement and per organisation, a personal iCalendar feed and reminders."""
