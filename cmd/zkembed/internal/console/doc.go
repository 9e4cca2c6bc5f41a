// Package console is zkembed's web console: a browser UI over one HTTP
// handler that browses, edits and watches a ZooKeeper tree live, for zkembed
// and for any Apache ZooKeeper, through zkembed's wire client
// (transport.Dial, the api.Client interface).
//
// New returns a Console, an http.Handler serving the page (HTML, JavaScript
// and CSS embedded in the binary, no build step, no CDN) under "/" and a
// JSON API under "/api/". `zkembed serve --ui` and `zkembed ui` mount it.
//
// # Sessions
//
// Each browser gets its own ZooKeeper session, opened on its first API call
// and identified by an HttpOnly, SameSite=Strict cookie. A digest login
// (addAuth) belongs to that session only; ephemerals the browser creates are
// held by it and go when the session is closed (logout, Console.Close, or
// when a new browser arrives and this one has been idle for an hour or is
// the least recently used of too many). Live updates come from one
// persistent-recursive watch on "/" per browser session (addWatch), pushed
// to the page by Server-Sent Events under /api/events.
//
// # Safety
//
// The console changes nothing on a safe request (GET). Every other request
// must carry the browser session's token in the X-Console-Token header
// (which a cross-site page cannot read) and pass net/http's
// CrossOriginProtection (Sec-Fetch-Site and Origin). The Host header must
// name an IP address, localhost, or a host in Options.Hosts, so a DNS
// rebinding attack cannot reach a console bound to loopback. With
// Options.ReadOnly every mutation is refused. Znode bytes reach the page as
// base64 inside JSON and are rendered as text (textContent), never as HTML;
// a Content-Security-Policy forbids inline scripts as a second line.
// Passwords are held in memory for the browser session (to re-authenticate
// a new ZooKeeper session) and never logged.
//
// # zkembed only
//
// An Inspector adds the sessions panel (id, timeout, remote address, last
// seen, ephemerals, watches) and metric charts. AdminInspector reads them
// from zkembed's admin endpoint (in-process or over HTTP); against Apache
// ZooKeeper the console runs without one and hides those panels.
//
// # Concurrency
//
// A Console is safe for concurrent use. Close closes every browser session's
// ZooKeeper session, ends the event streams and stops the metrics sampler;
// it waits for every goroutine the Console started.
package console
