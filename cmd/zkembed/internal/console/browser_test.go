package console

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/zkembed/zkembed/api"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write the browser test's screenshot to docs/console.png")

// chromiumPath finds Chromium, skipping the test where it is missing
// (failing under CI=true).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	needTool(t, false, "headless Chromium unavailable: no chromium on PATH (apt-get install chromium)")
	return ""
}

// newBrowser starts headless Chromium (no sandbox: CI runs as root) and
// returns a tab's context; the browser is closed when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1200, 760),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// run runs actions with a bound on the time they take.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(c, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) into out.
func eval(t *testing.T, ctx context.Context, js string, out any) {
	t.Helper()
	run(t, ctx, "eval "+js, chromedp.Evaluate(js, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
}

// waitJS polls a JavaScript condition until it holds, for up to 10s.
func waitJS(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ok bool
		eval(t, ctx, "!!("+js+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var page string
			eval(t, ctx, "location.hash + ' tree: ' + [...document.querySelectorAll('#tree li[role=treeitem]')].map(l => l.dataset.path + ':' + l.getAttribute('aria-expanded') + ':' + l.getAttribute('aria-selected') + (l.offsetParent ? '' : ':hidden')).join(' ') + ' toast: ' + document.querySelector('#toast').textContent + ' crumbs: ' + document.querySelector('#crumbs').textContent", &page)
			t.Fatalf("%s: %s did not hold within 10s; page:\n%s", what, js, page)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func text(sel string) string {
	return "((document.querySelector(" + strconv.Quote(sel) + ")||{}).textContent||'')"
}

// jump opens a znode through the page's "jump to path" box.
func jump(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	run(t, ctx, "jump to "+path,
		chromedp.SetValue("#jump-path", path, chromedp.ByQuery),
		chromedp.Click("#jump button", chromedp.ByQuery))
	waitJS(t, ctx, "open "+path, `document.querySelector('#tree li[aria-selected=true]') && document.querySelector('#tree li[aria-selected=true]').dataset.path === `+strconv.Quote(path)+` && !document.querySelector('#node').hidden && `+text("#crumbs")+`.endsWith(`+strconv.Quote(path[strings.LastIndex(path, "/")+1:])+`)`)
}

// TestBrowser drives the console in headless Chromium against zkembed:
// navigate, edit, see another client's change live, create and delete,
// hostile data rendered inert, the zkembed panels, and read-only refusal.
func TestBrowser(t *testing.T) {
	ctx := newBrowser(t)
	tg := startZkembed(t)
	_, ts := newConsole(t, tg, func(o *Options) { o.SampleInterval = 200 * time.Millisecond })
	other := dial(t, tg)
	bg := context.Background()
	hostile := `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`
	big := bytes.Repeat([]byte("0123456789abcdef"), 1000000/16) // 1 MB
	for _, n := range []struct {
		path string
		data []byte
	}{
		{"/app", nil}, {"/app/config", []byte(`{"db":"primary","pool":8}`)}, {"/app/locks", nil},
		{"/app/hostile", []byte(hostile)}, {"/app/binary", []byte{0xff, 0xfe, 'o', 'k', 0xc3}}, {"/app/big", big},
		{"/services", nil}, {"/services/web", []byte("10.0.0.1:80")},
	} {
		if _, err := other.Create(bg, n.path, n.data, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := other.Create(bg, "/services/web-1", []byte("up"), api.OpenACLUnsafe, api.ModeEphemeral); err != nil {
		t.Fatal(err)
	}

	run(t, ctx, "open the console", chromedp.Navigate(ts.URL+"/#/app/config"),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery))
	waitJS(t, ctx, "open /app/config from the URL", text("#data")+`.includes('"db":"primary"')`)

	t.Run("navigate and views", func(t *testing.T) {
		waitJS(t, ctx, "tree shows /app's children with counts", `document.querySelector('#tree li[data-path="/app/config"]') && `+
			text(`#tree li[data-path="/app"] .count`)+` === '(5)'`)
		// Each row is its name, its count and its marks: nothing else
		// (a null once rendered as the text "null").
		waitJS(t, ctx, "tree rows hold only names, counts and marks",
			text(`#tree li[data-path="/app/config"] > .item`)+` === 'config' && `+
				text(`#tree li[data-path="/app"] > .item`)+`.endsWith('app(5)')`)
		run(t, ctx, "JSON view", chromedp.Click(`.views button[data-view="json"]`, chromedp.ByQuery))
		waitJS(t, ctx, "pretty JSON", text("#data")+`.includes('"pool": 8')`)
		run(t, ctx, "hex view", chromedp.Click(`.views button[data-view="hex"]`, chromedp.ByQuery))
		waitJS(t, ctx, "hex dump", text("#data")+`.startsWith('00000000  7b 22 64 62')`)
		run(t, ctx, "text view", chromedp.Click(`.views button[data-view="text"]`, chromedp.ByQuery))
		waitJS(t, ctx, "stat", text("#stat")+`.includes('mzxid0x') && `+text("#acl")+`.includes('anyone')`)
		// Keyboard: from /app/config, ArrowDown moves to /app/hostile... and Enter opens it.
		run(t, ctx, "keyboard", chromedp.Focus(`#tree li[data-path="/app/config"]`, chromedp.ByQuery),
			chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
		waitJS(t, ctx, "keyboard opened the next znode", `location.hash === '#/app/hostile'`)
		jump(t, ctx, "/") // search covers the open znode's subtree
		run(t, ctx, "search", chromedp.SetValue("#search-glob", "web*", chromedp.ByQuery), chromedp.Click("#search button", chromedp.ByQuery))
		waitJS(t, ctx, "search results", text("#search-results")+`.includes('/services/web-1') && `+text("#search-results")+`.includes('2 matches')`)
	})

	t.Run("edit", func(t *testing.T) {
		jump(t, ctx, "/app/config")
		run(t, ctx, "edit", chromedp.Click("#edit-box summary", chromedp.ByQuery),
			chromedp.SetValue("#edit", `{"db":"replica","pool":8}`, chromedp.ByQuery),
			chromedp.Click("#save", chromedp.ByQuery))
		waitJS(t, ctx, "saved", text("#data")+`.includes('replica') && `+text("#edit-version")+` === '1'`)
		if b, _, err := other.Get(bg, "/app/config"); err != nil || string(b) != `{"db":"replica","pool":8}` {
			t.Fatalf("after the edit: %q %v", b, err)
		}
		// Another client's change refreshes the open znode and its version.
		if _, err := other.Set(bg, "/app/config", []byte(`{"db":"theirs"}`), 1); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "live refresh after the other client's set", text("#edit-version")+` === '2'`)
	})

	t.Run("live", func(t *testing.T) {
		start := time.Now()
		if _, err := other.Set(bg, "/app/config", []byte(`{"db":"live"}`), -1); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "another client's change appears", text("#data")+`.includes('"db":"live"') && !document.querySelector('#diff').hidden && `+
			text("#diff-old")+`.includes('theirs') && `+text("#diff-new")+`.includes('live')`)
		t.Logf("a change by another client reached the page in %v", time.Since(start).Round(time.Millisecond))
		if _, err := other.Create(bg, "/app/locks/lock-1", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "/app/locks gets a twisty", text(`#tree li[data-path="/app/locks"] > .item .twisty`)+` === '▸'`)
		run(t, ctx, "expand /app/locks", chromedp.Click(`#tree li[data-path="/app/locks"] > .item .twisty`, chromedp.ByQuery))
		waitJS(t, ctx, "the new child in the tree", `document.querySelector('#tree li[data-path="/app/locks/lock-1"]')`)
		if _, err := other.Create(bg, "/app/locks/lock-2", nil, api.OpenACLUnsafe, api.ModePersistent); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "a child created while expanded appears", `document.querySelector('#tree li[data-path="/app/locks/lock-2"]')`)
		run(t, ctx, "events tab", chromedp.Click(`#tabs button[data-tab="events"]`, chromedp.ByQuery))
		waitJS(t, ctx, "event feed", text("#events tbody")+`.includes('NodeCreated/app/locks/lock-2')`)
		run(t, ctx, "filter", chromedp.SetValue("#events-filter", "DataChanged", chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector('#events-filter').dispatchEvent(new Event('input'))`, nil))
		waitJS(t, ctx, "filtered feed", `[...document.querySelectorAll('#events tbody tr')].every(r => r.textContent.includes('DataChanged')) && document.querySelectorAll('#events tbody tr').length > 0`)
		run(t, ctx, "back", chromedp.Click(`#tabs button[data-tab="node"]`, chromedp.ByQuery))
	})

	t.Run("create and delete", func(t *testing.T) {
		jump(t, ctx, "/app/locks")
		run(t, ctx, "create", chromedp.Click("#create", chromedp.ByQuery), chromedp.Evaluate(`document.querySelector('#create').closest('details').open = true`, nil),
			chromedp.SetValue("#create-name", "job-", chromedp.ByQuery),
			chromedp.SetValue("#create-mode", "EPHEMERAL_SEQUENTIAL", chromedp.ByQuery),
			chromedp.SetValue("#create-data", "mine", chromedp.ByQuery),
			chromedp.Click("#create-btn", chromedp.ByQuery))
		waitJS(t, ctx, "created with its sequence number", `/^#\/app\/locks\/job-\d{10}$/.test(location.hash) && `+text("#stat")+`.includes('(this console)')`)
		var name string
		eval(t, ctx, `location.hash.slice(1)`, &name)
		if st, err := other.Exists(bg, name); err != nil || st == nil || st.EphemeralOwner == 0 {
			t.Fatalf("%s: %+v %v, want an ephemeral", name, st, err)
		}
		jump(t, ctx, "/app/locks")
		run(t, ctx, "delete", chromedp.Click("#delete", chromedp.ByQuery), chromedp.WaitVisible("#confirm-yes", chromedp.ByQuery))
		waitJS(t, ctx, "count in the confirmation", text("#confirm")+`.includes('4 znodes')`)
		run(t, ctx, "confirm", chromedp.Click("#confirm-yes", chromedp.ByQuery))
		waitJS(t, ctx, "deleted and back at the parent", `location.hash === '#/app' && !document.querySelector('#tree li[data-path="/app/locks"]')`)
		if st, err := other.Exists(bg, "/app/locks"); err != nil || st != nil {
			t.Fatalf("/app/locks after delete: %v %v", st, err)
		}
	})

	t.Run("hostile data is inert", func(t *testing.T) {
		jump(t, ctx, "/app/hostile")
		waitJS(t, ctx, "script shown as text", text("#data")+` === `+strconv.Quote(hostile))
		var inert bool
		eval(t, ctx, `window.pwned === undefined && document.querySelectorAll('#data *, img').length === 0 && document.scripts.length === 1`, &inert)
		if !inert {
			t.Fatal("znode data was interpreted as HTML")
		}
		jump(t, ctx, "/app/binary")
		waitJS(t, ctx, "invalid UTF-8 flagged", text("#data")+`.includes('not valid UTF-8') && `+text("#data")+`.includes('ok')`)
		run(t, ctx, "hex", chromedp.Click(`.views button[data-view="hex"]`, chromedp.ByQuery))
		waitJS(t, ctx, "hex of invalid UTF-8", text("#data")+`.startsWith('00000000  ff fe 6f 6b c3')`)
		run(t, ctx, "text", chromedp.Click(`.views button[data-view="text"]`, chromedp.ByQuery))
		start := time.Now()
		jump(t, ctx, "/app/big")
		waitJS(t, ctx, "1 MB value", text("#size")+` === '1024.0 KiB (`+strconv.Itoa(len(big))+` B)' || `+text("#size")+`.includes('(`+strconv.Itoa(len(big))+` B)')`)
		waitJS(t, ctx, "1 MB shown", text("#data")+`.length === `+strconv.Itoa(len(big)))
		t.Logf("1 MB value rendered in %v", time.Since(start).Round(time.Millisecond))
	})

	t.Run("zkembed panels", func(t *testing.T) {
		run(t, ctx, "sessions", chromedp.Click(`#tabs button[data-tab="sessions"]`, chromedp.ByQuery))
		waitJS(t, ctx, "sessions table", text("#sessions tbody")+`.includes('(this console)') && `+text("#sessions tbody")+`.includes('/services/web-1')`)
		run(t, ctx, "metrics", chromedp.Click(`#tabs button[data-tab="metrics"]`, chromedp.ByQuery))
		waitJS(t, ctx, "charts", `document.querySelectorAll('#charts canvas').length === 7 && Number((document.querySelector('#chart-znodes figcaption').dataset.last||'0')) >= 10`)
	})

	t.Run("screenshot", func(t *testing.T) {
		run(t, ctx, "back to the tree", chromedp.Click(`#tabs button[data-tab="node"]`, chromedp.ByQuery))
		jump(t, ctx, "/services/web")
		jump(t, ctx, "/app/config")
		run(t, ctx, "json", chromedp.Click(`.views button[data-view="json"]`, chromedp.ByQuery))
		if _, err := other.Set(bg, "/app/config", []byte(`{"db":"primary","pool":16}`), -1); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "diff shown", `!document.querySelector('#diff').hidden && `+text("#diff-new")+`.includes('16')`)
		var png []byte
		run(t, ctx, "screenshot", chromedp.CaptureScreenshot(&png))
		if !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 10000 {
			t.Fatalf("screenshot: %d bytes", len(png))
		}
		out := filepath.Join(t.TempDir(), "console.png")
		if *updateScreenshot {
			out = filepath.Join("..", "..", "..", "..", "docs", "console.png")
			os.MkdirAll(filepath.Dir(out), 0o755)
		}
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d KB)", out, len(png)/1024)
	})

	t.Run("read-only", func(t *testing.T) {
		_, ro := newConsole(t, tg, func(o *Options) { o.ReadOnly = true })
		run(t, ctx, "open the read-only console", chromedp.Navigate(ro.URL+"/#/app/config"),
			chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery))
		waitJS(t, ctx, "read-only badge, no edit controls", `!document.querySelector('#ro').hidden && getComputedStyle(document.querySelector('#edit-box')).display === 'none' && getComputedStyle(document.querySelector('#delete')).display === 'none'`)
		// The page's own session, token and all, is refused a change.
		var refused string
		eval(t, ctx, `fetch('api/info').then(r => r.json()).then(i => fetch('api/node', {method: 'PUT', headers: {'X-Console-Token': i.token, 'Content-Type': 'application/json'}, body: JSON.stringify({path: '/app/config', data: btoa('x'), version: -1})})).then(r => r.json().then(j => r.status + ' ' + j.error))`, &refused)
		if refused != "403 ReadOnly" {
			t.Fatalf("change through a read-only console: %s", refused)
		}
		if b, _, _ := other.Get(bg, "/app/config"); string(b) == "x" {
			t.Fatal("the read-only console changed /app/config")
		}
	})
}
