package main

import "log/slog"

// logger is the log of a command, on stderr: text, or JSON for log
// shippers (SETTLE_LOG_FORMAT=json), with times in SETTLE_TZ (the business
// time zone, in which operators read the night's runs), to the millisecond
// with the offset.
func (e *env) logger(level slog.Level) *slog.Logger {
	loc := e.cfg.TZ
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime && loc != nil {
			a.Value = slog.StringValue(a.Value.Time().In(loc).Format("2006-01-02T15:04:05.000Z07:00"))
		}
		return a
	}}
	if e.cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}
