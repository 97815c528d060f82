package ops

import (
	"log/slog"
	"net/url"
	"regexp"
)

// The secrets a text may carry: the password of a URL's user info
// ("postgres://u:pw@host"), and key=value passwords of connection strings
// ("password=pw").
var (
	urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*):[^\s@]*@`)
	kvPassword  = regexp.MustCompile(`(?i)\b(password|passwd|pwd)=(?:'[^']*'|\S+)`)
)

// Redact replaces the passwords in s with "xxxxx": in URLs, whole or
// quoted in an error, and in key=value connection strings.
func Redact(s string) string {
	s = urlPassword.ReplaceAllString(s, "${1}:xxxxx@")
	return kvPassword.ReplaceAllString(s, "${1}=xxxxx")
}

// RedactURL is a URL as it may be printed: its password replaced.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return Redact(raw)
	}
	return u.Redacted()
}

// redactAttr is the loggers' ReplaceAttr: every string and error they
// write goes through Redact.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(Redact(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(Redact(err.Error()))
		}
	}
	return a
}
