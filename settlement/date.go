package settlement

import (
	"fmt"
	"time"
)

// Date is a calendar date with no time of day and no zone: PortOne's
// `yyyy-MM-dd`. Business dates, settlement start dates and settlement dates
// are Dates; instants (paidAt, cancelledAt) stay time.Time until they are
// turned into a business date in the business time zone with DateOf.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// MakeDate returns the date y-m-d, normalised the way time.Date normalises
// (month 13 is January of the next year).
func MakeDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC), time.UTC)
}

// DateOf is the calendar date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads a `yyyy-MM-dd` date.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want yyyy-MM-dd", s)
	}
	return DateOf(t, time.UTC), nil
}

// MustDate is ParseDate for literals in tests and tables; it panics on a bad literal.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as `yyyy-MM-dd`; the zero Date formats as "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	if d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Day < 0 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	// By hand: every stored row and every answer carries dates, and
	// fmt.Sprintf showed in the profiles of the busiest stages.
	b := make([]byte, 0, 10)
	b = appendPadded(b, d.Year, 4)
	b = append(b, '-')
	b = appendPadded(b, int(d.Month), 2)
	b = append(b, '-')
	return string(appendPadded(b, d.Day, 2))
}

// appendPadded appends v (0 ≤ v) in decimal, zero-padded to width digits.
func appendPadded(b []byte, v, width int) []byte {
	var digits [20]byte
	i := len(digits)
	for v >= 10 || width > 1 {
		i--
		digits[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	i--
	digits[i] = byte('0' + v)
	return append(b, digits[i:]...)
}

// Time is midnight of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return MakeDate(d.Year, d.Month, d.Day+n) }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.Time(time.UTC).Weekday() }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

// DaysInMonth is the number of days in d's month.
func (d Date) DaysInMonth() int {
	return time.Date(d.Year, d.Month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// MarshalText formats d as `yyyy-MM-dd`.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses `yyyy-MM-dd`; an empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
