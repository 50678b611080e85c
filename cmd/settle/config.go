package main

import (
	// The business time zone must load on machines without system tzdata.
	_ "time/tzdata"

	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// Config is everything settle is configured with (DESIGN.md §4). It is
// loaded from the environment by LoadConfig, overridden by flags in
// cmd/settle, validated once, and passed explicitly. Its secrets are
// transfer.Secret values, which never print.
type Config struct {
	DB            string // SETTLE_DB
	APISecret     transfer.Secret
	APIBase       string
	TestMode      bool
	TZ            *time.Location
	Cron          string
	HTTPAddr      string
	APIToken      transfer.Secret
	WebhookSecret transfer.Secret
	HolidaysFile  string
	Rounding      settlement.Rounding
	RulesFile     string            // SETTLE_RULES
	Rules         *settlement.Rules // the merchant's rules: SETTLE_RULES, else the defaults with Rounding
	Lease         time.Duration     // SETTLE_LEASE: job and claim lease; zero is the pipeline's default (2m)
	Concurrency   int               // SETTLE_CONCURRENCY: PortOne requests in flight while posting; zero is the pipeline's default (8)
	HorizonDays   int               // SETTLE_HORIZON: records dated more days back, or in the future, are refused at intake
	LogFormat     string            // SETTLE_LOG_FORMAT: text (default) or json
	Version       string
}

// maxConcurrency bounds SETTLE_CONCURRENCY: past a few hundred requests
// in flight PortOne's latency is no longer what limits a night, and a
// typo (6400) should not open thousands of connections.
const maxConcurrency = 1024

// LoadConfig reads the environment through getenv (os.Getenv in main).
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DB:            get("SETTLE_DB", "settle.db"),
		APISecret:     transfer.Secret(getenv("PORTONE_API_SECRET")),
		APIBase:       get("PORTONE_API_BASE", "https://api.portone.io"),
		Cron:          get("SETTLE_CRON", "0 2 * * *"),
		HTTPAddr:      get("SETTLE_HTTP_ADDR", "127.0.0.1:8080"),
		APIToken:      transfer.Secret(getenv("SETTLE_API_TOKEN")),
		WebhookSecret: transfer.Secret(getenv("PORTONE_WEBHOOK_SECRET")),
		HolidaysFile:  getenv("SETTLE_HOLIDAYS"),
	}
	var errs []error
	if v := getenv("PORTONE_TEST_MODE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("PORTONE_TEST_MODE: want true or false, got %q", v))
		}
		c.TestMode = b
	}
	if v := getenv("SETTLE_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("SETTLE_LEASE: want a positive duration such as 2m, got %q", v))
		}
		c.Lease = d
	}
	if v := getenv("SETTLE_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxConcurrency {
			errs = append(errs, fmt.Errorf("SETTLE_CONCURRENCY: want a number of requests from 1 to %d, got %q", maxConcurrency, v))
		}
		c.Concurrency = n
	}
	c.HorizonDays = intake.DefaultHorizonDays
	if v := getenv("SETTLE_HORIZON"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3660 {
			errs = append(errs, fmt.Errorf("SETTLE_HORIZON: want a number of days from 1 to 3660, got %q", v))
		}
		c.HorizonDays = n
	}
	c.LogFormat = get("SETTLE_LOG_FORMAT", "text")
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("SETTLE_LOG_FORMAT: want text or json, got %q", c.LogFormat))
	}
	tz, err := time.LoadLocation(get("SETTLE_TZ", "Asia/Seoul"))
	if err != nil {
		errs = append(errs, fmt.Errorf("SETTLE_TZ: %v", err))
	}
	c.TZ = tz
	fee, err := settlement.ParseRoundMode(strings.ToUpper(getenv("SETTLE_ROUNDING")))
	if err != nil {
		errs = append(errs, fmt.Errorf("SETTLE_ROUNDING: %v", err))
	}
	vat, err := settlement.ParseRoundMode(strings.ToUpper(getenv("SETTLE_VAT_ROUNDING")))
	if err != nil {
		errs = append(errs, fmt.Errorf("SETTLE_VAT_ROUNDING: %v", err))
	}
	c.Rounding = settlement.Rounding{Fee: fee, VAT: vat}
	c.Rules = settlement.DefaultRulesWith(c.Rounding)
	if c.RulesFile = getenv("SETTLE_RULES"); c.RulesFile != "" {
		// One place says how amounts round: with a rules file, the file.
		if getenv("SETTLE_ROUNDING") != "" || getenv("SETTLE_VAT_ROUNDING") != "" {
			errs = append(errs, errors.New("SETTLE_RULES and SETTLE_ROUNDING / SETTLE_VAT_ROUNDING: set the rounding in the rules file (formulas.*.round, rounding.vat) and unset the variables"))
		}
		r, err := LoadRules(c.RulesFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("SETTLE_RULES: %w", err))
		}
		c.Rules = r
	}
	return c, errors.Join(errs...)
}

// LoadRules reads and compiles a rules file (README "The merchant's
// rules"); errors name the file and the member at fault.
func LoadRules(path string) (*settlement.Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := settlement.ParseRules(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Calendar is the Korean business-day calendar extended by the
// SETTLE_HOLIDAYS file, if one is configured.
func (c Config) Calendar() (*settlement.Calendar, error) {
	cal := settlement.KoreanCalendar()
	if c.HolidaysFile == "" {
		return cal, nil
	}
	data, err := os.ReadFile(c.HolidaysFile)
	if err != nil {
		return nil, fmt.Errorf("SETTLE_HOLIDAYS: %w", err)
	}
	hs, err := settlement.ParseHolidays(data)
	if err != nil {
		return nil, fmt.Errorf("SETTLE_HOLIDAYS %s: %w", c.HolidaysFile, err)
	}
	return cal.WithHolidays(hs...), nil
}
