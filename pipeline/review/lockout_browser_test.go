package review_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/horizon-scan/horizon/pipeline/review"
)

// from makes every request of the browser arrive as if through the TLS
// proxy from client address addr (X-Forwarded-For).
func from(addr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"X-Forwarded-For": addr}})
		return chromedp.Void{}, err
	}
}

// TestBrowserLockoutOfOneAddressLeavesAnother guesses at ana's password
// from one address behind the proxy until the app stops answering it; ana,
// from another address behind the same proxy, still signs in.
func TestBrowserLockoutOfOneAddressLeavesAnother(t *testing.T) {
	a := newApp(t, review.Config{LoginBurst: 3, LoginEvery: time.Hour,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	guesser, owner := browser(t), browser(t)
	do(t, guesser, "come from 203.0.113.7", from("203.0.113.7"))
	do(t, owner, "come from 198.51.100.9", from("198.51.100.9"))
	try := func(pw string) string {
		do(t, guesser, "try a password",
			chromedp.Navigate(a.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`form.login`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "ana"),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), pw),
			chromedp.Submit(chromedp.CSS(`form.login`)), chromedp.WaitVisible(chromedp.CSS(`p.error`)))
		return run(t, guesser, "the answer", chromedp.Text(chromedp.CSS(`p.error`)))
	}
	var answer string
	for i := range 5 {
		if answer = try("wrong guess " + itoa(int64(i))); strings.Contains(answer, "Too many") {
			break
		}
	}
	if !strings.Contains(answer, "Too many") {
		t.Fatalf("five wrong guesses from one address: %q, want the limit", answer)
	}
	if answer = try(password); !strings.Contains(answer, "Too many") {
		t.Errorf("the right password from the guessing address: %q, want still limited", answer)
	}
	signIn(t, owner, a.URL, "ana") // from the other address: no lockout
	screenshot(t, guesser, "login-limited")
}
