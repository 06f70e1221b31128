import { pageText } from '../../../lib/http/page-text';

describe('pageText', () => {
  test('a page is its title, else its text without scripts, styles, comments and tags', () => {
    expect(pageText('<html><head><title> Error 522 </title></head><body>x</body></html>')).toBe('HTML page: Error 522');
    const page =
      '<!DOCTYPE html><html><head><style>p{color:red}</style><script>var a = "<b>";</script></head>' +
      '<body><h1>Bad gateway</h1><!-- a <comment> --><p>Try   again</p></body></html>';
    expect(pageText(page)).toBe('HTML page: Bad gateway Try again');
    expect(pageText('<html><body><script>only()</script></body></html>')).toBe('HTML page with no text');
  });

  test('letters whose lower case is longer (the Turkish İ) shift nothing', () => {
    expect(pageText('<html><head><title>İİİİ Ağ girişi</title></head></html>')).toBe('HTML page: İİİİ Ağ girişi');
    expect(pageText('<html><body>İİ<SCRIPT>x()</SCRIPT><b>Giriş</b></body></html>')).toBe('HTML page: İİ Giriş');
  });

  test('a page that starts with its head or body, without <html>, is a page too', () => {
    expect(pageText('<head><title>502 Bad Gateway</title></head>')).toBe('HTML page: 502 Bad Gateway');
    expect(pageText('<BODY><h1>Service Unavailable</h1></BODY>')).toBe('HTML page: Service Unavailable');
  });

  test('text that is no HTML page is returned as it is', () => {
    expect(pageText('Bad gateway <b>')).toBe('Bad gateway <b>');
  });

  test('each tag is a space, so that two halves of a redacted text are never joined', () => {
    expect(pageText('<html><body>sk-abc<i></i>def</body></html>')).toBe('HTML page: sk-abc def');
  });

  // The page is the upstream's: with backtracking patterns, 64 KB of unclosed tags held the event
  // loop for up to 2.5 s here. Read with searches that go forward only, each takes milliseconds.
  test.each([
    ['unclosed scripts', '<script '.repeat(8_000)],
    ['opening brackets alone', '<'.repeat(64_000)],
    ['unclosed comments', '<!--'.repeat(16_000)],
    ['unclosed titles', '<title>'.repeat(9_000)],
  ])('a page of %s is read in time linear in its size', (_name, body) => {
    const started = performance.now();
    expect(pageText(`<!doctype html><html>${body}`)).toBe('HTML page with no text');
    expect(performance.now() - started).toBeLessThan(250);
  });
});
