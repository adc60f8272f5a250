// tests/browser/flow.mjs — one user's whole visit to Flacon in a real
// browser (Debian's /usr/bin/chromium, driven by playwright-core): register,
// log out, log in, write an article, find it, select and drop a course, log
// out, log in from the course list's hint, meet a full course, look at every
// page on a 390 x 844 phone and a 1280 px screen (nothing wider than the
// screen, every link and button inside it, the header as tall logged in as
// out), delete the article after confirming. Every numbered step is one test. Run by tests/browser/run.sh while the
// stack (nginx + workers + MariaDB) answers on http://127.0.0.1:$FLACON_TEST_PORT/.
//
// stdout: exactly one line, "browser: N passed, M failed".
// stderr: "ok NN name" / "FAIL NN name: reason" per step, and notes.
// Screenshots of every page visited: tests/browser/screenshots/NN-name.png
// (w390-* and w1280-* for the layout steps).

import { chromium } from 'playwright-core';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, 'screenshots');
const PORT = process.env.FLACON_TEST_PORT;
const BASE = process.env.FLACON_BROWSER_BASE_URL || (PORT ? `http://127.0.0.1:${PORT}` : '');
const CHROMIUM = process.env.FLACON_CHROMIUM || '/usr/bin/chromium';
const GLOBAL_MS = Number(process.env.FLACON_BROWSER_TIMEOUT_MS || 120000);
const ACTION_MS = 10000; // one click, fill or wait
const NAV_MS = 15000; // one page load

const log = (...a) => console.error(...a);

// ---- the steps' bookkeeping ---------------------------------------------

const STEPS = [
	'home page',
	'register through the Register link',
	'logged in after registering',
	'log out',
	'log in again with remember',
	'write an article',
	'article on /articles and opened',
	'select a course',
	'selected course on My courses',
	'drop the course',
	'log out at the end',
	'login form pre-filled by remember',
	'anonymous course list: the hint logs in and comes back',
	'a full course shows a disabled Full button',
	'every page fits 390 px wide, logged in',
	'every page fits 1280 px wide, logged in',
	'delete the article after a confirmation page',
	'every page fits 390 px wide, logged out',
	'every page fits 1280 px wide, logged out',
	'the header is as tall logged in as logged out',
];
const results = new Map(); // step number -> {ok, reason}
let passed = 0;
let failed = 0;
let finished = false;

function record(n, ok, reason) {
	if (results.has(n)) return;
	results.set(n, { ok, reason });
	const tag = String(n).padStart(2, '0');
	if (ok) {
		passed++;
		log(`ok   ${tag} ${STEPS[n - 1]}`);
	} else {
		failed++;
		log(`FAIL ${tag} ${STEPS[n - 1]}: ${reason}`);
	}
}

function finish(code) {
	if (finished) return;
	finished = true;
	// Whatever never ran is a failure, never a pass.
	for (let n = 1; n <= STEPS.length; n++)
		if (!results.has(n)) record(n, false, 'not run');
	process.stdout.write(`browser: ${passed} passed, ${failed} failed\n`);
	process.exitCode = code || (failed ? 1 : 0);
}

// ---- the page and what it does behind our back --------------------------

let context = null;
let page = null;
let shotNo = 0;
const dialogs = []; // every alert/confirm/prompt that fired
const problems = []; // 5xx answers, page errors, console errors of the step
let lastDoc = null; // the last main-frame document response (not a redirect)

async function shot(name) {
	if (!page) return;
	shotNo++;
	const file = join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`);
	try {
		await page.screenshot({ path: file, fullPage: true, timeout: ACTION_MS });
	} catch (e) {
		log(`note: screenshot ${file} failed: ${e.message.split('\n')[0]}`);
	}
}

function check(cond, msg) {
	if (!cond) throw new Error(msg);
}

// Runs step n unless one of the steps it needs failed; a failure keeps a
// screenshot of where the page was.
async function step(n, needs, fn) {
	if (finished) return;
	const bad = needs.filter((d) => !results.get(d)?.ok);
	if (bad.length) {
		record(n, false, `not run: needs step ${bad.join(', ')}`);
		return;
	}
	problems.length = 0;
	const dialogsBefore = dialogs.length;
	try {
		await fn();
		check(dialogs.length === dialogsBefore, `a dialog fired: ${JSON.stringify(dialogs.slice(dialogsBefore))}`);
		check(problems.length === 0, problems.join('; '));
		record(n, true);
	} catch (e) {
		record(n, false, e.message.split('\n')[0]);
		await shot(`FAIL-step${String(n).padStart(2, '0')}`);
	}
}

// The path of the page now shown.
const path = () => {
	const u = new URL(page.url());
	return u.pathname + u.search;
};

// Clicks a link or button and waits until the browser shows a page whose
// path matches want (a RegExp).
async function clickTo(locator, want) {
	await Promise.all([
		page.waitForURL((u) => want.test(u.pathname + u.search), { timeout: NAV_MS, waitUntil: 'load' }),
		locator.click({ timeout: ACTION_MS }),
	]);
	await page.waitForLoadState('load', { timeout: NAV_MS });
}

// The document shown answered with this status.
function expectStatus(status) {
	check(lastDoc, 'no document response seen');
	check(lastDoc.status() === status, `${lastDoc.url()} answered ${lastDoc.status()}, not ${status}`);
	const ct = lastDoc.headers()['content-type'] || '';
	check(/^text\/html; charset=utf-8$/i.test(ct), `content-type of ${lastDoc.url()} is "${ct}"`);
}

const header = () => page.locator('header.site');
const headerLink = (name) => header().getByRole('link', { name, exact: true });
const headerUser = () => header().locator('a.who');
const logoutButton = () => header().getByRole('button', { name: 'Log out', exact: true });

async function expectAnonymousHeader() {
	await headerLink('Log in').waitFor({ state: 'visible', timeout: ACTION_MS });
	check(await headerLink('Register').isVisible(), 'no Register link in the header');
	check((await headerUser().count()) === 0, 'a user name is still shown in the header');
	check((await logoutButton().count()) === 0, 'a Log out button is still shown');
}

async function expectUserHeader(username) {
	await headerUser().waitFor({ state: 'visible', timeout: ACTION_MS });
	const shown = (await headerUser().textContent()).trim();
	check(shown === username, `header shows "${shown}", not "${username}"`);
	check(await logoutButton().isVisible(), 'no Log out button in the header');
	check((await headerLink('Log in').count()) === 0, 'a Log in link is still in the header');
	check(await headerLink('My courses').isVisible(), 'no My courses link in the header');
}

// Makes a course of our own with the command line, so that at least one
// course with free seats exists whatever ran before (not a test).
function createCourse(name, capacity = 30) {
	const bin = process.env.FLACON_BIN;
	if (!bin) {
		log('note: FLACON_BIN is not set; relying on the courses already there');
		return Promise.resolve();
	}
	return new Promise((resolve) => {
		execFile(bin, ['createcourse', '--credits', '3', '--capacity', String(capacity), '--', name], { timeout: 15000 }, (err, _out, errOut) => {
			if (err) log(`note: flacon createcourse ${name} failed: ${err.message} ${errOut}`);
			resolve();
		});
	});
}

// ---- the layout at a given width -----------------------------------------

// Every page's width, and every link, button and field of the header and
// of main inside the screen horizontally (below the fold is fine: one
// scrolls down, never sideways). Returns the header's height.
async function fits(width, name) {
	await page.setViewportSize({ width, height: width < 500 ? 844 : 900 });
	const m = await page.evaluate(() => {
		const W = window.innerWidth;
		const out = [];
		for (const el of document.querySelectorAll('header a, header button, main a, main button, main input, main textarea')) {
			const r = el.getBoundingClientRect();
			if (r.width === 0 && r.height === 0) continue; // hidden inputs
			if (r.left < -0.5 || r.right > W + 0.5)
				out.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 30)}" at ${Math.round(r.left)}..${Math.round(r.right)}`);
		}
		const h = document.querySelector('header.site');
		return { sw: document.documentElement.scrollWidth, bw: document.body.scrollWidth, W, out, header: h ? h.getBoundingClientRect().height : -1 };
	});
	await shot(`w${width}-${name}`);
	check(m.W === width, `${name}: the window is ${m.W} px wide, not ${width}`);
	check(m.sw <= width && m.bw <= width, `${name}: the page is ${Math.max(m.sw, m.bw)} px wide at ${width} px`);
	check(m.out.length === 0, `${name} at ${width} px: outside the screen: ${m.out.slice(0, 3).join('; ')}`);
	return m.header;
}

// Load path (any status below 500) and check it at width.
async function visitFits(width, name, p) {
	await page.goto(`${BASE}${p}`, { timeout: NAV_MS, waitUntil: 'load' });
	check(lastDoc && lastDoc.status() < 500, `${p} answered ${lastDoc && lastDoc.status()}`);
	return fits(width, name);
}

// The 409 "Course is full" page: the form the disabled Full button stands
// for, posted by hand with the page's token.
async function openFullPage(id) {
	wanted4xx.add(`/courses/${id}/select`);
	await page.goto(`${BASE}/courses`, { timeout: NAV_MS, waitUntil: 'load' });
	await Promise.all([
		page.waitForURL((u) => u.pathname === `/courses/${id}/select`, { timeout: NAV_MS, waitUntil: 'load' }),
		page.evaluate((cid) => {
			const f = document.createElement('form');
			f.method = 'post';
			f.action = `/courses/${cid}/select`;
			const t = document.createElement('input');
			t.type = 'hidden';
			t.name = 'csrf_token';
			t.value = document.querySelector('input[name=csrf_token]').value;
			f.appendChild(t);
			document.body.appendChild(f);
			f.submit();
		}, id),
	]);
	check(lastDoc.status() === 409, `selecting the full course answered ${lastDoc.status()}, not 409`);
}

const headerHeights = { in: {}, out: {} };
const wanted4xx = new Set(['/no/such/page']);

// ---- the visit ----------------------------------------------------------

async function visit() {
	const stamp = Date.now();
	const username = `br_${stamp}`;
	const password = `pw-${stamp}-Secret!`;
	const title = `Héllo 世界 🍷 ${stamp} <script>alert("title")</script>`;
	const content = `Bonjour <script>alert('xss')</script> & <b>not bold</b> "quoted" ünïcödé 🍷\nsecond line 世界`;
	const courseName = `Browser course ${stamp}`;
	const fullName = `Full course ${stamp}`;
	let articlePath = null;
	let cname = null;
	let fullId = null;

	await createCourse(courseName);
	await createCourse(fullName, 0);

	// 1. The home page, anonymous, styled.
	await step(1, [], async () => {
		await page.goto(`${BASE}/`, { timeout: NAV_MS, waitUntil: 'load' });
		expectStatus(200);
		check(/Flacon/.test(await page.title()), `title is "${await page.title()}"`);
		await expectAnonymousHeader();
		check(await headerLink('Articles').isVisible(), 'no Articles link');
		check(await headerLink('Courses').isVisible(), 'no Courses link');
		const css = await page.evaluate(() => {
			let rules = 0;
			for (const s of document.styleSheets) {
				try {
					rules += s.cssRules.length;
				} catch {
					rules += 0;
				}
			}
			return { sheets: document.styleSheets.length, rules, bg: getComputedStyle(document.body).backgroundColor };
		});
		check(css.sheets > 0 && css.rules > 0, `no stylesheet applied (${JSON.stringify(css)})`);
		check(css.bg !== 'rgba(0, 0, 0, 0)', `body has no background: the stylesheet did not apply (${css.bg})`);
		await shot('home');
	});

	// 2. Register through the Register link and the form.
	await step(2, [1], async () => {
		await clickTo(headerLink('Register'), /^\/register$/);
		expectStatus(200);
		await shot('register-form');
		await page.getByLabel('Username').fill(username, { timeout: ACTION_MS });
		await page.getByLabel('Password').fill(password, { timeout: ACTION_MS });
		await clickTo(page.getByRole('button', { name: 'Create my account' }), /^\/(\?.*)?$/);
		expectStatus(200);
		await shot('registered');
	});

	// 3. Logged in: the name in the header.
	await step(3, [2], async () => {
		await expectUserHeader(username);
		const cookies = await context.cookies(BASE);
		const s = cookies.find((c) => c.name === 'session');
		check(s, `no session cookie (cookies: ${cookies.map((c) => c.name).join(',')})`);
		check(s.httpOnly, 'the session cookie is not HttpOnly');
		check(s.expires > Date.now() / 1000, 'the session cookie is not permanent (no Max-Age/Expires)');
		check(await page.getByText(`Welcome, ${username}.`).isVisible(), 'no "Welcome, NAME" greeting on the home page after registering');
		check((await page.getByText('Welcome back').count()) === 0, 'a new user is welcomed "back"');
		const fav = await page.request.get(`${BASE}/favicon.ico`);
		check(fav.status() === 200 && /^image\//.test(fav.headers()['content-type'] || ''), `/favicon.ico answered ${fav.status()} ${fav.headers()['content-type']}`);
	});

	// 4. Log out.
	await step(4, [3], async () => {
		await clickTo(logoutButton(), /^\/$/);
		expectStatus(200);
		await expectAnonymousHeader();
		const cookies = await context.cookies(BASE);
		check(!cookies.find((c) => c.name === 'session' && c.value), 'the session cookie is still set after logout');
		await shot('logged-out');
	});

	// 5. Log in again through the Log in form, with the remember box.
	await step(5, [4], async () => {
		await clickTo(headerLink('Log in'), /^\/login(\?.*)?$/);
		expectStatus(200);
		await page.getByLabel('Username').fill(username, { timeout: ACTION_MS });
		await page.getByLabel('Password').fill(password, { timeout: ACTION_MS });
		await page.getByLabel('Remember my name').check({ timeout: ACTION_MS });
		await shot('login-form');
		await clickTo(page.getByRole('button', { name: 'Log in', exact: true }), /^\/$/);
		expectStatus(200);
		await expectUserHeader(username);
		const cookies = await context.cookies(BASE);
		const u = cookies.find((c) => c.name === 'username');
		check(u, 'remember was checked but no username cookie was set');
		check(decodeURIComponent(u.value).includes(username), `the username cookie holds "${u.value}"`);
		check(u.httpOnly, 'the username cookie is not HttpOnly');
		await shot('logged-in');
	});

	// 6. Write an article with non-ASCII text and markup that must stay text.
	await step(6, [5], async () => {
		await clickTo(page.getByRole('link', { name: 'Write an article' }).first(), /^\/articles\/new$/);
		expectStatus(200);
		await page.getByLabel('Title').fill(title, { timeout: ACTION_MS });
		await page.getByLabel('Content').fill(content, { timeout: ACTION_MS });
		await shot('article-form');
		await clickTo(page.getByRole('button', { name: 'Publish' }), /^\/articles\/\d+$/);
		expectStatus(200);
		articlePath = path();
		const h1 = await page.locator('main h1').first().textContent({ timeout: ACTION_MS });
		check(h1 === title, `the heading reads ${JSON.stringify(h1)}, not the title`);
		const body = (await page.locator('main .content').first().textContent({ timeout: ACTION_MS })).replace(/\r\n/g, '\n');
		check(body === content, `the content reads ${JSON.stringify(body)}`);
		check((await page.locator('script').count()) === 0, 'a <script> element is in the page');
		check((await page.locator('main .content b').count()) === 0, 'the <b> of the content became markup');
		const raw = await lastDoc.text();
		check(raw.includes('&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;') || raw.includes('&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;') || raw.includes('&lt;script&gt;alert(&#x22;title&#x22;)&lt;/script&gt;'),
			'the title is not HTML-escaped in the page source');
		check(!raw.includes('<script>'), 'a raw <script> is in the page source');
		check(raw.includes('世界') && raw.includes('🍷') && raw.includes('Héllo'), 'the UTF-8 text is not in the page source as is');
		const title2 = await page.title();
		check(title2.startsWith(title), `the page title reads ${JSON.stringify(title2)}`);
		check((await page.locator('main .meta').getByRole('link', { name: username, exact: true }).count()) === 1, 'the author is not linked on the article');
		await shot('article');
	});

	// 7. The article on /articles, then opened from there.
	await step(7, [6], async () => {
		await clickTo(headerLink('Articles'), /^\/articles$/);
		expectStatus(200);
		await shot('articles');
		const link = page.locator('ul.articles a.title', { hasText: title });
		check((await link.count()) === 1, `${await link.count()} links with the title on /articles`);
		const item = page.locator('ul.articles li').filter({ has: page.locator('a.title', { hasText: title }) });
		check((await item.getByRole('link', { name: username, exact: true }).count()) === 1, 'the author is not linked next to the title');
		check((await page.locator('ul.articles a.title').first().textContent()) === title, 'the new article is not the first (newest) on /articles');
		await clickTo(link, /^\/articles\/\d+$/);
		expectStatus(200);
		check(path() === articlePath, `opened ${path()}, not ${articlePath}`);
		check((await page.locator('main h1').first().textContent()) === title, 'the opened article has another heading');
		await shot('article-opened');
	});

	// 8. Courses: Select on the first course that offers Select and is not full.
	await step(8, [5], async () => {
		await clickTo(headerLink('Courses'), /^\/courses$/);
		expectStatus(200);
		await shot('courses');
		const rows = page.locator('table.courses tbody tr').filter({ has: page.getByRole('button', { name: 'Select', exact: true }) });
		const n = await rows.count();
		check(n > 0, 'no course offers a Select button');
		let row = null;
		for (let i = 0; i < n; i++) {
			const r = rows.nth(i);
			if ((await r.locator('.badge', { hasText: 'full' }).count()) === 0) {
				row = r;
				break;
			}
		}
		check(row, 'every course with a Select button is full');
		cname = (await row.locator('td').first().textContent()).trim();
		const enrolledBefore = Number((await row.locator('td').nth(2).textContent()).trim());
		await clickTo(row.getByRole('button', { name: 'Select', exact: true }), /^\/courses$/);
		expectStatus(200);
		const after = page.locator('table.courses tbody tr').filter({ has: page.getByRole('link', { name: cname, exact: true }) });
		check((await after.count()) === 1, `course "${cname}" is ${await after.count()} times in the list after Select`);
		check((await after.getByRole('button', { name: 'Drop', exact: true }).count()) === 1, `course "${cname}" has no Drop button after Select`);
		check((await after.getByRole('button', { name: 'Select', exact: true }).count()) === 0, `course "${cname}" still offers Select`);
		const enrolledAfter = Number((await after.locator('td').nth(2).textContent()).trim());
		check(enrolledAfter === enrolledBefore + 1, `enrolled went from ${enrolledBefore} to ${enrolledAfter}`);
		await shot('course-selected');
	});

	// 9. The course on My courses.
	await step(9, [8], async () => {
		await clickTo(headerLink('My courses'), /^\/me\/courses$/);
		expectStatus(200);
		await shot('my-courses');
		const row = page.locator('table.courses tbody tr').filter({ has: page.getByRole('link', { name: cname, exact: true }) });
		check((await row.count()) === 1, `course "${cname}" is ${await row.count()} times on My courses`);
		const credits = await page.locator('main .heading strong').first().textContent();
		check(Number(credits) > 0, `total credits read "${credits}"`);
	});

	// 10. Drop it from My courses: back on My courses, without it.
	await step(10, [9], async () => {
		const row = page.locator('table.courses tbody tr').filter({ has: page.getByRole('link', { name: cname, exact: true }) });
		await clickTo(row.getByRole('button', { name: 'Drop', exact: true }), /^\/me\/courses$/);
		expectStatus(200);
		check(await page.getByText('Course dropped.').isVisible(), 'no "Course dropped." notice');
		const still = await page.locator('main').getByRole('link', { name: cname, exact: true }).count();
		check(still === 0, `course "${cname}" is still on My courses`);
		await shot('my-courses-after-drop');
		await clickTo(headerLink('Courses'), /^\/courses$/);
		const listed = page.locator('table.courses tbody tr').filter({ has: page.getByRole('link', { name: cname, exact: true }) });
		check((await listed.getByRole('button', { name: 'Select', exact: true }).count()) === 1, `course "${cname}" does not offer Select again after Drop`);
		await shot('course-dropped');
	});

	// 11. Log out: the header offers Log in again.
	await step(11, [5], async () => {
		await clickTo(logoutButton(), /^\/$/);
		expectStatus(200);
		await expectAnonymousHeader();
		await shot('logged-out-end');
	});

	// 12. The remember cookie pre-fills the login form.
	await step(12, [11], async () => {
		await clickTo(headerLink('Log in'), /^\/login(\?.*)?$/);
		expectStatus(200);
		const v = await page.getByLabel('Username').inputValue({ timeout: ACTION_MS });
		check(v === username, `the username field holds "${v}", not "${username}"`);
		await shot('login-prefilled');
	});

	// 13. Logged out, the course list says how to select; its Log in link
	// brings the user back to the list, logged in.
	await step(13, [11], async () => {
		await clickTo(headerLink('Courses'), /^\/courses$/);
		expectStatus(200);
		const hint = page.locator('main .hint-box');
		check(await hint.isVisible(), 'no hint on the anonymous course list');
		check(/to select courses/.test(await hint.textContent()), `the hint reads "${await hint.textContent()}"`);
		check((await page.getByRole('button', { name: 'Select', exact: true }).count()) === 0, 'an anonymous visitor is offered Select');
		await shot('courses-anonymous');
		await clickTo(hint.getByRole('link', { name: 'Log in', exact: true }), /^\/login\?next=(\/|%2F)courses$/);
		await page.getByLabel('Username').fill(username, { timeout: ACTION_MS });
		await page.getByLabel('Password').fill(password, { timeout: ACTION_MS });
		await clickTo(page.getByRole('button', { name: 'Log in', exact: true }), /^\/courses$/);
		expectStatus(200);
		await expectUserHeader(username);
		check((await page.locator('main .hint-box').count()) === 0, 'the hint is still shown to a logged-in user');
		check((await page.getByRole('button', { name: 'Select', exact: true }).count()) > 0, 'no Select button after logging in');
	});

	// 14. A full course: a disabled Full button, no Select; its 409 page.
	await step(14, [13], async () => {
		const row = page.locator('table.courses tbody tr').filter({ has: page.getByRole('link', { name: fullName, exact: true }) });
		check((await row.count()) === 1, `the full course "${fullName}" is ${await row.count()} times in the list`);
		const full = row.getByRole('button', { name: 'Full', exact: true });
		check((await full.count()) === 1, 'no Full button on the full course');
		check(await full.isDisabled(), 'the Full button is not disabled');
		check((await row.getByRole('button', { name: 'Select', exact: true }).count()) === 0, 'the full course offers Select');
		await shot('course-full-button');
		fullId = Number((await row.getByRole('link', { name: fullName, exact: true }).getAttribute('href')).split('/').pop());
		await openFullPage(fullId);
		check(await page.getByText('is full: 0 of 0 seats taken.').isVisible(), 'the Course is full page does not say so');
		await shot('course-full-page');
		// A course on My courses again, for the layout steps.
		if (cname) {
			await page.goto(`${BASE}/courses`, { timeout: NAV_MS, waitUntil: 'load' });
			const again = page.locator('table.courses tbody tr').filter({ has: page.getByRole('link', { name: cname, exact: true }) });
			await clickTo(again.getByRole('button', { name: 'Select', exact: true }), /^\/courses$/);
		}
	});

	// 15-16. Every page a logged-in user sees, at 390 and 1280 px.
	const loggedInPages = () => [
		['home', '/'],
		['articles', '/articles'],
		['articles-page-2', '/articles?page=2&per_page=5'],
		['article-new', '/articles/new'],
		['article', articlePath],
		['article-confirm-delete', `${articlePath}/confirm-delete`],
		['user', `/users/${encodeURIComponent(username)}`],
		['courses', '/courses'],
		['course', `/courses/${fullId}`],
		['my-courses', '/me/courses'],
		['not-found', '/no/such/page'],
	];
	for (const [n, width] of [[15, 390], [16, 1280]]) {
		await step(n, [6, 14], async () => {
			for (const [name, p] of loggedInPages()) headerHeights.in[width] = await visitFits(width, `in-${name}`, p);
			await openFullPage(fullId);
			await fits(width, 'in-course-full');
			await page.goto(`${BASE}/`, { timeout: NAV_MS, waitUntil: 'load' });
			await expectUserHeader(username);
			headerHeights.in[width] = await fits(width, 'in-home-again');
		});
	}
	await page.setViewportSize({ width: 1280, height: 900 });

	// 17. Delete the article: a confirmation page first; Cancel keeps it.
	await step(17, [6], async () => {
		await page.goto(`${BASE}${articlePath}`, { timeout: NAV_MS, waitUntil: 'load' });
		await clickTo(page.getByRole('link', { name: 'Delete this article…', exact: true }), /^\/articles\/\d+\/confirm-delete$/);
		expectStatus(200);
		check(await page.getByRole('heading', { name: 'Delete this article?' }).isVisible(), 'no confirmation heading');
		await shot('article-confirm-delete');
		await clickTo(page.getByRole('link', { name: 'Cancel', exact: true }), /^\/articles\/\d+$/);
		check(path() === articlePath, `Cancel went to ${path()}`);
		check((await page.locator('main h1').first().textContent()) === title, 'the article is gone after Cancel');
		await clickTo(page.getByRole('link', { name: 'Delete this article…', exact: true }), /^\/articles\/\d+\/confirm-delete$/);
		await clickTo(page.getByRole('button', { name: 'Delete', exact: true }), /^\/articles$/);
		expectStatus(200);
		check(await page.getByText('The article was deleted.').isVisible(), 'no "The article was deleted." notice');
		check((await page.locator('ul.articles a.title', { hasText: title }).count()) === 0, 'the deleted article is still listed');
		await shot('article-deleted');
	});

	// 18-19. Every page a visitor sees, at 390 and 1280 px.
	let someArticle = null;
	for (const [n, width] of [[18, 390], [19, 1280]]) {
		await step(n, [5], async () => {
			if (width === 390) {
				await page.goto(`${BASE}/`, { timeout: NAV_MS, waitUntil: 'load' });
				if ((await logoutButton().count()) > 0) await clickTo(logoutButton(), /^\/$/);
				await expectAnonymousHeader();
			}
			if (!someArticle) {
				await page.goto(`${BASE}/articles`, { timeout: NAV_MS, waitUntil: 'load' });
				someArticle = await page.locator('ul.articles a.title').first().getAttribute('href');
			}
			const pages = [
				['home', '/'],
				['login', '/login'],
				['register', '/register'],
				['articles', '/articles'],
				['article', someArticle],
				['user', `/users/${encodeURIComponent(username)}`],
				['courses', '/courses'],
				['course', `/courses/${fullId}`],
				['not-found', '/no/such/page'],
			];
			for (const [name, p] of pages) headerHeights.out[width] = await visitFits(width, `out-${name}`, p);
			await page.goto(`${BASE}/`, { timeout: NAV_MS, waitUntil: 'load' });
			await expectAnonymousHeader();
			headerHeights.out[width] = await fits(width, 'out-home-again');
		});
	}
	await page.setViewportSize({ width: 1280, height: 900 });

	// 20. The page does not jump at login: one header height per width.
	await step(20, [15, 16, 18, 19], async () => {
		for (const w of [390, 1280]) {
			const a = headerHeights.in[w];
			const b = headerHeights.out[w];
			check(a > 0 && Math.abs(a - b) < 0.5, `at ${w} px the header is ${a} px logged in and ${b} px logged out`);
		}
		log(`note: header height ${JSON.stringify(headerHeights)}`);
	});
}

// ---- main ---------------------------------------------------------------

async function main() {
	if (!BASE) {
		log('FAIL: FLACON_TEST_PORT is not set (run through tests/run.sh)');
		finish(1);
		return;
	}
	mkdirSync(SHOTS, { recursive: true });
	for (const f of readdirSync(SHOTS)) if (f.endsWith('.png')) rmSync(join(SHOTS, f));

	const profile = process.env.FLACON_BROWSER_PROFILE || mkdtempSync(join(tmpdir(), 'flacon-browser-'));
	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
			timeout: 30000,
			viewport: { width: 1280, height: 900 },
			locale: 'en-US',
			timezoneId: 'UTC',
		});
	} catch (e) {
		log(`FAIL: could not launch ${CHROMIUM}: ${e.message.split('\n')[0]}`);
		finish(1);
		return;
	}
	context.setDefaultTimeout(ACTION_MS);
	context.setDefaultNavigationTimeout(NAV_MS);
	page = context.pages()[0] || (await context.newPage());
	page.on('dialog', (d) => {
		dialogs.push(`${d.type()}: ${d.message()}`);
		d.dismiss().catch(() => {});
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() !== 'error') return;
		const where = m.location()?.url || '';
		if (/\/favicon\.ico$/.test(where)) return; // Chromium asks for it by itself
		// The 4xx pages a step opens on purpose (a 404, the 409 of a full course).
		if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && wanted4xx.has(new URL(where).pathname)) return;
		problems.push(`console error: ${m.text()} ${where}`);
	});
	page.on('response', (r) => {
		if (r.status() >= 500) problems.push(`${r.request().method()} ${r.url()} answered ${r.status()}`);
		if (r.frame() === page.mainFrame() && r.request().resourceType() === 'document' && !(r.status() >= 300 && r.status() < 400))
			lastDoc = r;
	});

	try {
		await visit();
	} finally {
		finish(0);
		await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
		if (!process.env.FLACON_BROWSER_PROFILE) rmSync(profile, { recursive: true, force: true });
	}
}

const guard = setTimeout(() => {
	log(`FAIL: the browser test did not finish within ${GLOBAL_MS} ms`);
	finish(1);
	process.exit(1);
}, GLOBAL_MS);

main()
	.catch((e) => {
		log(`FAIL: ${e.stack || e}`);
		finish(1);
	})
	.finally(() => {
		clearTimeout(guard);
		process.exit(process.exitCode ?? (failed ? 1 : 0));
	});
