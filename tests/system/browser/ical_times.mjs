// Reads an iCalendar file on standard input and prints each event's start and end as
// Unix seconds, as ical.js (the parser of Thunderbird's code base) understands them, with
// the file's own VTIMEZONE. Used by tests/calendar/test_feeds_in_ical_js.py.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const root = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const events = root.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return { uid: event.uid, start: event.startDate.toUnixTime(), end: event.endDate.toUnixTime() };
});
process.stdout.write(JSON.stringify(events));
