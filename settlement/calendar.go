package settlement

// PLACEHOLDER API — the calendar helper replaces the bodies in this file and
// dates.go with the real Korean business-day calendar and cycle algorithm.
// The exported signatures are the contract other packages code against.

// Holiday is a non-business date and its name.
type Holiday struct {
	Date Date
	Name string
}

// Calendar answers whether a date is a bank business day in Korea:
// not a Saturday, not a Sunday, not a holiday it knows.
type Calendar struct {
	holidays map[Date]string
}

// KoreanCalendar returns the shipped calendar of Korean public holidays.
func KoreanCalendar() *Calendar { return &Calendar{holidays: map[Date]string{}} }

// WithHolidays returns a copy of c that also treats hs as non-business days.
func (c *Calendar) WithHolidays(hs ...Holiday) *Calendar {
	n := &Calendar{holidays: make(map[Date]string, len(c.holidays)+len(hs))}
	for d, name := range c.holidays {
		n.holidays[d] = name
	}
	for _, h := range hs {
		n.holidays[h.Date] = h.Name
	}
	return n
}

// IsBusinessDay reports whether d is a business day.
func (c *Calendar) IsBusinessDay(d Date) bool {
	if wd := d.Weekday(); wd == 0 || wd == 6 {
		return false
	}
	_, hol := c.holidays[d]
	return !hol
}

// HolidayName is the name of the holiday on d, or "".
func (c *Calendar) HolidayName(d Date) string { return c.holidays[d] }

// ParseHolidays reads the SETTLE_HOLIDAYS file format: one `yyyy-MM-dd`
// date per line, optionally followed by a name; blank lines and lines
// starting with # are ignored.
func ParseHolidays(data []byte) ([]Holiday, error) { return nil, nil }
