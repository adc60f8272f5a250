// tests/browser/flow.mjs — one user's whole visit to Flacon in a real
// browser (Debian's /usr/bin/chromium, driven by playwright-core): register,
// log out, log in, write an article, find it, select and drop a course, log
// out. Every numbered step is one test. Run by tests/browser/run.sh while the
// stack (nginx + workers + MariaDB) answers on http://127.0.0.1:$FLACON_TEST_PORT/.
//
// stdout: exactly one line, "browser: N passed, M failed".
// stderr: "ok NN name" / "FAIL NN name: reason" per step, and notes.
// Screenshots of every page visited: tests/browser/screenshots/NN-name.png.

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
function createCourse(name) {
	const bin = process.env.FLACON_BIN;
	if (!bin) {
		log('note: FLACON_BIN is not set; relying on the courses already there');
		return Promise.resolve();
	}
	return new Promise((resolve) => {
		execFile(bin, ['createcourse', name, '--credits', '3', '--capacity', '30'], { timeout: 15000 }, (err, _out, errOut) => {
			if (err) log(`note: flacon createcourse ${name} failed: ${err.message} ${errOut}`);
			resolve();
		});
	});
}

// ---- the visit ----------------------------------------------------------

async function visit() {
	const stamp = Date.now();
	const username = `br_${stamp}`;
	const password = `pw-${stamp}-Secret!`;
	const title = `Héllo 世界 🍷 ${stamp} <script>alert("title")</script>`;
	const content = `Bonjour <script>alert('xss')</script> & <b>not bold</b> "quoted" ünïcödé 🍷\nsecond line 世界`;
	const courseName = `Browser course ${stamp}`;
	let articlePath = null;
	let cname = null;

	await createCourse(courseName);

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
		check(await page.getByText(`Welcome back, ${username}`).isVisible(), 'no "Welcome back" greeting on the home page');
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

	// 10. Drop it (from My courses); it is gone from My courses.
	await step(10, [9], async () => {
		const row = page.locator('table.courses tbody tr').filter({ has: page.getByRole('link', { name: cname, exact: true }) });
		await clickTo(row.getByRole('button', { name: 'Drop', exact: true }), /^\/courses$/);
		expectStatus(200);
		const listed = page.locator('table.courses tbody tr').filter({ has: page.getByRole('link', { name: cname, exact: true }) });
		check((await listed.getByRole('button', { name: 'Select', exact: true }).count()) === 1, `course "${cname}" does not offer Select again after Drop`);
		await shot('course-dropped');
		await clickTo(headerLink('My courses'), /^\/me\/courses$/);
		expectStatus(200);
		const still = await page.locator('main').getByRole('link', { name: cname, exact: true }).count();
		check(still === 0, `course "${cname}" is still on My courses`);
		await shot('my-courses-after-drop');
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
