// Reads an iMIP invitation (an iCalendar object with a METHOD) on standard input and prints
// what a calendar app acts on, as ical.js (the parser of Thunderbird's code base) reads it:
// the method and each event's UID, SEQUENCE, status, organizer, attendees and times.
// Used by tests/calendar/test_worker_invitations.py.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const root = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const events = root.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    sequence: event.sequence,
    status: component.getFirstPropertyValue("status"),
    summary: event.summary,
    organizer: event.organizer,
    attendees: event.attendees.map((a) => a.getFirstValue()),
    start: event.startDate.toUnixTime(),
    end: event.endDate.toUnixTime(),
  };
});
process.stdout.write(JSON.stringify({ method: root.getFirstPropertyValue("method"), events }));
