package settlement

import (
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
)

// The business-day calendar.
//
// PortOne moves a settlement date off a non-business day with its own list of
// Korean holidays (the GraphQL query `holidays(year)`, portone-platform.md
// §5), which it does not publish in the REST API. We ship the same public
// holidays as data, holidays_kr.txt, rather than computing them:
//
//   - the lunar holidays (설날, 추석, 부처님 오신 날) follow the Korean
//     Astronomy and Space Science Institute's calendar (the 월력요항), which
//     is set by observation at UTC+9 and can differ from the Chinese date by a
//     day (설날 2027 is Feb 7 in Korea, Feb 6 in China). An algorithm in the
//     product would be one more thing that could be wrong; a table can be
//     checked line by line against the 월력요항;
//   - substitute holidays changed rules three times in ten years (2014, 2021,
//     2023) and temporary and election holidays are declared by decree, so
//     only data records them faithfully;
//   - a year the data does not cover yet, or a holiday declared tomorrow, is
//     added by the operator with the SETTLE_HOLIDAYS file (same format, read
//     by the caller and passed through ParseHolidays and WithHolidays)
//     without a release.
//
// The rules behind the shipped data are in the header of holidays_kr.txt,
// and the tests re-derive every substitute from them and check every lunar
// date against an astronomical new-moon computation.

//go:embed holidays_kr.txt
var holidaysKR []byte

// Holiday is a non-business date and its name.
type Holiday struct {
	Date Date
	Name string
}

// Calendar answers whether a date is a bank business day in Korea:
// not a Saturday, not a Sunday, not a holiday it knows.
//
// A Calendar is immutable: WithHolidays returns a new one, so a Calendar can
// be shared between goroutines. The nil *Calendar is KoreanCalendar().
type Calendar struct {
	holidays map[Date]string
}

// koreanCalendar parses the embedded data once; the result is never mutated.
var koreanCalendar = sync.OnceValue(func() *Calendar {
	hs, err := ParseHolidays(holidaysKR)
	if err != nil {
		panic("settlement: embedded holidays_kr.txt: " + err.Error())
	}
	return (&Calendar{}).with(hs)
})

// KoreanCalendar returns the shipped calendar of Korean public holidays
// (2020–2030; see holidays_kr.txt for the rules and sources). Outside the
// years it covers it knows only weekends; see CoversYear.
func KoreanCalendar() *Calendar { return koreanCalendar() }

func (c *Calendar) orKorean() *Calendar {
	if c == nil {
		return KoreanCalendar()
	}
	return c
}

// WithHolidays returns a copy of c that also treats hs as non-business days.
// A date c already knows keeps its name, and a different new name is
// appended to it ("어린이날, 부처님 오신 날").
func (c *Calendar) WithHolidays(hs ...Holiday) *Calendar { return c.orKorean().with(hs) }

func (c *Calendar) with(hs []Holiday) *Calendar {
	n := &Calendar{holidays: make(map[Date]string, len(c.holidays)+len(hs))}
	for d, name := range c.holidays {
		n.holidays[d] = name
	}
	for _, h := range hs {
		n.holidays[h.Date] = joinNames(n.holidays[h.Date], h.Name)
	}
	return n
}

func joinNames(old, add string) string {
	switch {
	case add == "" || old == add:
		return old
	case old == "":
		return add
	}
	for _, part := range strings.Split(old, ", ") {
		if part == add {
			return old
		}
	}
	return old + ", " + add
}

// IsBusinessDay reports whether d is a business day.
func (c *Calendar) IsBusinessDay(d Date) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !c.IsHoliday(d)
}

// IsHoliday reports whether d is a holiday the calendar knows (whatever its
// weekday). A holiday added without a name is still a holiday.
func (c *Calendar) IsHoliday(d Date) bool {
	_, ok := c.orKorean().holidays[d]
	return ok
}

// HolidayName is the name of the holiday on d, or "".
func (c *Calendar) HolidayName(d Date) string { return c.orKorean().holidays[d] }

// Holidays lists the holidays the calendar knows in year, in date order,
// like PortOne's `holidays(year)` query.
func (c *Calendar) Holidays(year int) []Holiday {
	var hs []Holiday
	for d, name := range c.orKorean().holidays {
		if d.Year == year {
			hs = append(hs, Holiday{Date: d, Name: name})
		}
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].Date.Before(hs[j].Date) })
	return hs
}

// CoversYear reports whether the calendar knows any holiday in year. Every
// Korean year has several, so false means the data stops before that year
// and dates in it are moved for weekends only; callers should warn.
func (c *Calendar) CoversYear(year int) bool {
	for d := range c.orKorean().holidays {
		if d.Year == year {
			return true
		}
	}
	return false
}

// maxBusinessDaySearch bounds the walk to the nearest business day: a
// calendar whose extra holidays cover a whole year is a configuration error,
// not a reason to loop.
const maxBusinessDaySearch = 366

// nextBusinessDay is the first business day on or after d.
func (c *Calendar) nextBusinessDay(d Date) (Date, bool) { return c.walk(d, 1) }

// previousBusinessDay is the last business day on or before d.
func (c *Calendar) previousBusinessDay(d Date) (Date, bool) { return c.walk(d, -1) }

func (c *Calendar) walk(d Date, step int) (Date, bool) {
	for range maxBusinessDaySearch {
		if c.IsBusinessDay(d) {
			return d, true
		}
		d = d.AddDays(step)
	}
	return Date{}, false
}

// HolidayLineError is a bad line of a holidays file: its 1-based number and
// what is wrong with it.
type HolidayLineError struct {
	Line int
	Err  error
}

// Error formats the line number and the problem: `line 3: date "2025-13-01": want yyyy-MM-dd`.
func (e *HolidayLineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the problem.
func (e *HolidayLineError) Unwrap() error { return e.Err }

// ParseHolidays reads the SETTLE_HOLIDAYS file format: one `yyyy-MM-dd`
// date per line, optionally followed by whitespace and a name; blank lines
// and lines starting with # are ignored. It does no I/O: the caller reads the
// file. The first bad line stops it with a *HolidayLineError.
func ParseHolidays(data []byte) ([]Holiday, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	var hs []Holiday
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		field, name := line, ""
		if j := strings.IndexFunc(line, unicode.IsSpace); j >= 0 {
			field, name = line[:j], line[j:]
		}
		d, err := ParseDate(field)
		if err != nil {
			return nil, &HolidayLineError{Line: i + 1, Err: err}
		}
		hs = append(hs, Holiday{Date: d, Name: strings.TrimSpace(name)})
	}
	return hs, nil
}
