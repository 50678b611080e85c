package settlement

import (
	"fmt"
	"time"
)

// The settlement-date algorithm (portone-platform.md §5).
//
// PortOne derives a transfer's settlementDate itself; we derive it the same
// way so that `settle preview` and the reconciliation can say what PortOne
// will say before it says it. The steps, and why each is the way it is:
//
//  1. An explicit settlementDate wins. PortOne only checks it is not before
//     the start date (PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE);
//     it need not match the cycle or be a business day.
//  2. candidate = start + lagDays calendar days: the "d+n" hold period. It
//     is counted in calendar days, not business days.
//  3. The cycle date is the first date ON OR AFTER the candidate that the
//     cycle allows. The schema's wording ("the nearest date from the day
//     after adding") could be read as strictly after; the help-center
//     examples (§8.2 D6, D7) settle it as inclusive.
//     MONTHLY day 31 means the month's last day (PortOne). For 29 and 30 in
//     a shorter month PortOne's behaviour is UNCONFIRMED; by default
//     (ShortMonthClamp) we clamp to the month's last day too, because the
//     alternative (skipping the month) would silently hold a partner's
//     money for an extra month, and a merchant who lists 30 means "the end
//     of the month" in February. The rules variant ShortMonthSkip skips
//     the month instead, for a merchant whose PortOne does so.
//     MANUAL_DATES recur every year; 02-29 matches only in leap years.
//  4. The date policy moves a cycle date that is not a business day:
//     HOLIDAY_BEFORE to the previous business day (partners are paid early),
//     HOLIDAY_AFTER to the next, CALENDAR_DAY not at all.
//  5. HOLIDAY_BEFORE can move the date back to the start date or before it
//     (a one-day lag into a long holiday). With the platform setting
//     adjustSettlementDateAfterHolidayIfEarlier the date is then taken
//     forward instead: the first business day on or after the cycle date.
//     Without it the early date stands, as PortOne computes it.
//
// Every search is bounded: a cycle is validated first, and the walks are
// limited to a few years (MANUAL_DATES 02-29 needs at most eight) and to
// maxBusinessDaySearch days, so no input can loop forever.

// SettlementDateOf returns the settlement date of a transfer that starts on
// start under cycle, per portone-platform.md §5: an explicit date wins (and
// must not be before start); otherwise the first cycle date on or after
// start+LagDays, moved by the date policy when it is not a business day;
// with adjustEarlier, a result on or before start is recomputed with the
// next business day. A nil cal is KoreanCalendar().
//
// Errors: *Error with Type ErrSettlementDateEarlierThanSettlementStartDate (Field
// "settlementDate") for an explicit date before start; *Error with Type
// ErrInvalidRequest from Cycle.Validate for a bad cycle; a plain error if
// the calendar has no business day within a year of the cycle date.
func SettlementDateOf(start, explicit Date, cycle Cycle, cal *Calendar, adjustEarlier bool) (Date, error) {
	return SettlementDateFor(start, explicit, cycle, cal, adjustEarlier, ShortMonthClamp)
}

// SettlementDateFor is SettlementDateOf under the rules' short-month
// variant: short says what a MONTHLY day 29 or 30 means in a month
// without it ("" is ShortMonthClamp).
func SettlementDateFor(start, explicit Date, cycle Cycle, cal *Calendar, adjustEarlier bool, short ShortMonthRule) (Date, error) {
	if !explicit.IsZero() {
		if explicit.Before(start) {
			return Date{}, &Error{
				Type:           ErrSettlementDateEarlierThanSettlementStartDate,
				Field:          "settlementDate",
				Message:        fmt.Sprintf("settlement date %s is before the settlement start date %s", explicit, start),
				StartDate:      start,
				SettlementDate: explicit,
			}
		}
		return explicit, nil
	}
	if err := cycle.Validate(); err != nil {
		return Date{}, err
	}
	cal = cal.orKorean()

	cycleDate, ok := cycle.firstOnOrAfter(start.AddDays(cycle.LagDays), short == ShortMonthSkip)
	if !ok {
		// Unreachable for a valid cycle; kept so a future method cannot loop.
		return Date{}, fmt.Errorf("no %s cycle date after %s", cycle.Method, start)
	}

	var (
		d   = cycleDate
		dir = "previous"
	)
	switch cycle.DatePolicy {
	case HolidayBefore:
		d, ok = cal.previousBusinessDay(cycleDate)
	case HolidayAfter:
		d, ok = cal.nextBusinessDay(cycleDate)
		dir = "next"
	case CalendarDay:
	}
	if ok && adjustEarlier && !d.After(start) {
		d, ok = cal.nextBusinessDay(cycleDate)
		dir = "next"
	}
	if !ok {
		return Date{}, fmt.Errorf("no %s business day within %d days of %s", dir, maxBusinessDaySearch, cycleDate)
	}
	return d, nil
}

// firstOnOrAfter is the first date on or after d that the cycle allows;
// skip says a MONTHLY day 29 or 30 has no date in a month without it. The
// cycle must be valid.
func (c Cycle) firstOnOrAfter(d Date, skip bool) (Date, bool) {
	switch c.Method {
	case CycleDaily:
		return d, true
	case CycleWeekly:
		for i := range 7 {
			e := d.AddDays(i)
			for _, wd := range c.DaysOfWeek {
				if e.Weekday() == wd {
					return e, true
				}
			}
		}
	case CycleMonthly:
		// Every listed day (clamped) exists in every month, so the answer is
		// in d's month or the next one; skipping, a day 29 or 30 exists in
		// at least one of any two consecutive months, so within three.
		first := MakeDate(d.Year, d.Month, 1)
		for m := range 3 {
			month := MakeDate(first.Year, first.Month+time.Month(m), 1)
			best, found := Date{}, false
			for _, day := range c.DaysOfMonth {
				if skip && day < 31 && day > month.DaysInMonth() {
					continue
				}
				e := MakeDate(month.Year, month.Month, min(day, month.DaysInMonth()))
				if !e.Before(d) && (!found || e.Before(best)) {
					best, found = e, true
				}
			}
			if found {
				return best, true
			}
		}
	case CycleManualDates:
		// 02-29 recurs at least once in any eight consecutive years (the
		// longest gap is 2096 → 2104).
		for y := d.Year; y <= d.Year+8; y++ {
			best, found := Date{}, false
			for _, md := range c.Dates {
				if md.Month == time.February && md.Day == 29 && !isLeap(y) {
					continue
				}
				e := Date{Year: y, Month: md.Month, Day: md.Day}
				if !e.Before(d) && (!found || e.Before(best)) {
					best, found = e, true
				}
			}
			if found {
				return best, true
			}
		}
	}
	return Date{}, false
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysIn is the number of days month m can have: February counts 29, since
// a MANUAL_DATES 02-29 is valid and matches in leap years.
func daysIn(m time.Month) int {
	if m == time.February {
		return 29
	}
	return MakeDate(2001, m+1, 0).Day
}

// Validate checks a cycle the way PortOne checks CreatePlatformContractBody:
// lagDays 1..10, a known date policy and method, and the days it needs.
//
// It returns the first problem as an *Error with Type ErrInvalidRequest and
// Field the JSON path of the value at fault, e.g. "settlementCycle.lagDays"
// or "settlementCycle.method.monthly.daysOfMonth[1]". Duplicate weekdays are
// rejected; duplicate days of month and manual dates are harmless and
// accepted.
func (c Cycle) Validate() error {
	const p = "settlementCycle"
	if c.LagDays < 1 || c.LagDays > 10 {
		return newError(ErrInvalidRequest, p+".lagDays", "lagDays must be 1..10, got %d", c.LagDays)
	}
	switch c.DatePolicy {
	case HolidayBefore, HolidayAfter, CalendarDay:
	default:
		return newError(ErrInvalidRequest, p+".datePolicy", "datePolicy must be HOLIDAY_BEFORE, HOLIDAY_AFTER or CALENDAR_DAY, got %q", c.DatePolicy)
	}
	switch c.Method {
	case CycleDaily:
	case CycleWeekly:
		f := p + ".method.weekly.daysOfWeek"
		if len(c.DaysOfWeek) == 0 {
			return newError(ErrInvalidRequest, f, "a weekly cycle needs at least one day of the week")
		}
		var seen [7]bool
		for i, wd := range c.DaysOfWeek {
			if wd < time.Sunday || wd > time.Saturday {
				return newError(ErrInvalidRequest, fmt.Sprintf("%s[%d]", f, i), "day of the week must be SUN..SAT, got %d", int(wd))
			}
			if seen[wd] {
				return newError(ErrInvalidRequest, fmt.Sprintf("%s[%d]", f, i), "day of the week %s is listed twice", wd)
			}
			seen[wd] = true
		}
	case CycleMonthly:
		f := p + ".method.monthly.daysOfMonth"
		if len(c.DaysOfMonth) == 0 {
			return newError(ErrInvalidRequest, f, "a monthly cycle needs at least one day of the month")
		}
		for i, day := range c.DaysOfMonth {
			if day < 1 || day > 31 {
				return newError(ErrInvalidRequest, fmt.Sprintf("%s[%d]", f, i), "day of the month must be 1..31, got %d", day)
			}
		}
	case CycleManualDates:
		f := p + ".method.manualDates.dates"
		if len(c.Dates) == 0 {
			return newError(ErrInvalidRequest, f, "a manual-dates cycle needs at least one date")
		}
		for i, md := range c.Dates {
			if md.Month < time.January || md.Month > time.December {
				return newError(ErrInvalidRequest, fmt.Sprintf("%s[%d].month", f, i), "month must be 1..12, got %d", int(md.Month))
			}
			if md.Day < 1 || md.Day > daysIn(md.Month) {
				return newError(ErrInvalidRequest, fmt.Sprintf("%s[%d].day", f, i), "day must be 1..%d in month %d, got %d", daysIn(md.Month), int(md.Month), md.Day)
			}
		}
	default:
		return newError(ErrInvalidRequest, p+".method", "method must be DAILY, WEEKLY, MONTHLY or MANUAL_DATES, got %q", c.Method)
	}
	return nil
}
