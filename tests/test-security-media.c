#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "atrium-app-private.h"
#include "atrium-media-server-private.h"
#include "webkit-harness.h"
#include "test-util.h"

/* As the attacker: a local process that reaches the
 * loopback media route over raw sockets, mostly without the token. It
 * holds hundreds of idle connections, sends request heads a byte at a
 * time, and fires hundreds of Range requests at once; meanwhile a page in
 * a real AtriumWindow loads and plays media through the same route, and a
 * request with the token must still be answered.
 *
 * Every wait is on an event (a socket's state, a media element's event),
 * with a deadline that fails the test and says what it waited for. The
 * deadlines are generous; nothing measures time. The server's own head
 * deadline and idle timeout are made short through a private setter, so
 * that the tests wait for the server, not for a clock. */

#define DATA_LENGTH (1024 * 1024)
#define N_IDLE 300
#define N_SLOW 200
#define N_PARALLEL 200
/* Generous, for two busy cores: these are failures, not measurements. */
#define DEADLINE_S 60

static char *root;
static guint8 *data;
static AtriumApp *app;
static AtriumWindow *window;

/* Waiting */

static gboolean
deadline_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main loop, where every socket of these tests and the page
 * are served, until @cond holds; fails with the message after @seconds. */
#define WAIT_FOR(cond, seconds, ...) \
  G_STMT_START { \
    gboolean timed_out_ = FALSE; \
    guint id_ = g_timeout_add_seconds ((seconds), deadline_cb, &timed_out_); \
    while (!(cond) && !timed_out_) \
      g_main_context_iteration (NULL, TRUE); \
    if (!(cond)) \
      { \
        g_autofree char *what_ = g_strdup_printf (__VA_ARGS__); \
        g_error ("Gave up after %u s waiting for %s", (guint) (seconds), what_); \
      } \
    if (!timed_out_) \
      g_source_remove (id_); \
  } G_STMT_END

/* A raw client */

typedef enum
{
  PEER_CONNECTING,
  PEER_OPEN,
  PEER_CLOSED,    /* the server closed it (end of stream or reset) */
} PeerState;

typedef struct
{
  GSocket    *socket;
  GSource    *source;
  PeerState   state;
  GString    *out;        /* to send */
  gsize       sent;
  GByteArray *in;         /* received */
} Peer;

static gboolean peer_cb (GSocket      *socket,
                         GIOCondition  condition,
                         gpointer      user_data);

static void
peer_watch (Peer *p)
{
  GIOCondition condition = G_IO_IN;

  if (p->source != NULL)
    {
      g_source_destroy (p->source);
      g_clear_pointer (&p->source, g_source_unref);
    }
  if (p->state == PEER_CLOSED)
    return;
  if (p->state == PEER_CONNECTING || p->sent < p->out->len)
    condition |= G_IO_OUT;
  p->source = g_socket_create_source (p->socket, condition, NULL);
  g_source_set_callback (p->source, (GSourceFunc) (void (*) (void)) peer_cb, p, NULL);
  g_source_attach (p->source, NULL);
}

static void
peer_closed (Peer *p)
{
  p->state = PEER_CLOSED;
  peer_watch (p);
}

static void
peer_flush (Peer *p)
{
  while (p->state == PEER_OPEN && p->sent < p->out->len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (p->socket, p->out->str + p->sent, p->out->len - p->sent, NULL,
                                &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (n < 0)
        {
          peer_closed (p);
          return;
        }
      p->sent += n;
    }
}

static gboolean
peer_cb (GSocket      *socket,
         GIOCondition  condition,
         gpointer      user_data)
{
  Peer *p = user_data;

  if (p->state == PEER_CONNECTING)
    {
      if (!g_socket_check_connect_result (socket, NULL))
        {
          peer_closed (p);
          return G_SOURCE_REMOVE;
        }
      p->state = PEER_OPEN;
    }

  peer_flush (p);

  if (p->state == PEER_OPEN && (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
    for (;;)
      {
        g_autoptr(GError) error = NULL;
        guint8 buffer[65536];
        gssize n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, &error);

        if (n > 0)
          {
            g_byte_array_append (p->in, buffer, n);
            continue;
          }
        if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
          break;
        peer_closed (p);
        return G_SOURCE_REMOVE;
      }

  /* Only watch for room while there is something to send. */
  peer_watch (p);
  return G_SOURCE_REMOVE;
}

static Peer *
peer_new (const char *request)
{
  AtriumMediaServer *server = _atrium_app_get_media_server (app);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address =
    g_inet_socket_address_new (loopback, _atrium_media_server_get_port (server));
  g_autoptr(GError) error = NULL;
  Peer *p = g_new0 (Peer, 1);

  p->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                            &error);
  g_assert_no_error (error);
  g_socket_set_blocking (p->socket, FALSE);
  p->out = g_string_new (request);
  p->in = g_byte_array_new ();

  /* Non-blocking: a server that does not accept must not hang the test. */
  if (g_socket_connect (p->socket, address, NULL, &error))
    p->state = PEER_OPEN;
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
      p->state = PEER_CONNECTING;
    }
  peer_flush (p);
  peer_watch (p);
  return p;
}

static void
peer_free (Peer *p)
{
  if (p->source != NULL)
    {
      g_source_destroy (p->source);
      g_source_unref (p->source);
    }
  g_socket_close (p->socket, NULL);
  g_object_unref (p->socket);
  g_string_free (p->out, TRUE);
  g_byte_array_unref (p->in);
  g_free (p);
}

static void
peer_send (Peer       *p,
           const char *text,
           gsize       length)
{
  g_string_append_len (p->out, text, length);
  peer_flush (p);
  peer_watch (p);
}

/* HTTP */

typedef struct
{
  guint        status;
  goffset      content_length;
  char        *content_range;
  const guint8 *body;
} Response;

/* Whether @in starts with a whole response (head and Content-Length bytes
 * of body); fills @r if so. */
static gboolean
parse_response (GByteArray *in,
                Response   *r)
{
  const char *text = (const char *) in->data;
  const char *end = in->len > 0 ? g_strstr_len (text, in->len, "\r\n\r\n") : NULL;
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;

  memset (r, 0, sizeof *r);
  if (end == NULL)
    return FALSE;
  head = g_strndup (text, end - text);
  lines = g_strsplit (head, "\r\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "HTTP/1.1 "));
  r->status = atoi (lines[0] + 9);
  r->content_length = -1;
  for (guint i = 1; lines[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (lines[i], "Content-Length: ", 16) == 0)
        r->content_length = g_ascii_strtoll (lines[i] + 16, NULL, 10);
      else if (g_ascii_strncasecmp (lines[i], "Content-Range: ", 15) == 0)
        r->content_range = g_strdup (lines[i] + 15);
    }
  g_assert_cmpint (r->content_length, >=, 0);
  if (in->len < (gsize) (end + 4 - text) + r->content_length)
    {
      g_clear_pointer (&r->content_range, g_free);
      return FALSE;
    }
  r->body = in->data + (end + 4 - text);
  return TRUE;
}

static char *
range_request (goffset start,
               goffset length,
               gboolean with_token)
{
  AtriumMediaServer *server = _atrium_app_get_media_server (app);
  const char *base = _atrium_media_server_get_base (server);
  const char *prefix = with_token ? base + strlen (_atrium_media_server_get_origin (server)) : "";

  return g_strdup_printf ("GET %s/data.bin HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                          "Range: bytes=%" G_GOFFSET_FORMAT "-%" G_GOFFSET_FORMAT "\r\n\r\n",
                          prefix, _atrium_media_server_get_port (server), start,
                          start + length - 1);
}

static void
assert_range_answer (GByteArray *in,
                     goffset     start,
                     goffset     length)
{
  Response r;
  g_autofree char *expected_range =
    g_strdup_printf ("bytes %" G_GOFFSET_FORMAT "-%" G_GOFFSET_FORMAT "/%u", start,
                     start + length - 1, DATA_LENGTH);

  g_assert_true (parse_response (in, &r));
  g_assert_cmpuint (r.status, ==, 206);
  g_assert_cmpstr (r.content_range, ==, expected_range);
  g_assert_cmpmem (r.body, r.content_length, data + start, length);
  g_free (r.content_range);
}

static gboolean
peer_answered (Peer *p)
{
  Response r;
  gboolean whole = parse_response (p->in, &r);

  g_free (r.content_range);
  return whole;
}

/* A request with the token, on a connection of its own: the app's own
 * client, which must be served whatever else is going on. */
static void
assert_served (const char *while_what)
{
  g_autofree char *request = range_request (4096, 8192, TRUE);
  Peer *p = peer_new (request);

  WAIT_FOR (peer_answered (p) || p->state == PEER_CLOSED, DEADLINE_S,
            "a request with the token to be answered %s", while_what);
  assert_range_answer (p->in, 4096, 8192);
  peer_free (p);
}

/* The page */

typedef struct
{
  gboolean  done;
  char     *text;
  GError   *error;
} JsResult;

static void
js_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  JsResult *r = user_data;
  g_autoptr(JSCValue) value =
    webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object), result,
                                                           &r->error);

  if (value != NULL)
    r->text = jsc_value_to_string (value);
  r->done = TRUE;
}

/* Loads @file through the media route (the runtime points a new Audio()
 * at it), waits until it can play through, plays it and waits until its
 * currentTime moves; also checks that the audio the page has been
 * playing in a loop since the start still moves. */
static void
assert_page_plays (const char *file,
                   const char *while_what)
{
  g_autofree char *body = g_strdup_printf (
    "const on = (m, name) => new Promise((resolve, reject) => {"
    "  m.addEventListener(name, resolve, {once: true});"
    "  m.addEventListener('error', () => reject(new Error('media error ' + m.error.code)),"
    "                     {once: true});"
    "});"
    "const moves = (m) => new Promise((resolve) => {"
    "  const t0 = m.currentTime;"
    "  const f = () => { if (m.currentTime !== t0) { m.removeEventListener('timeupdate', f);"
    "                                                resolve(m.currentTime); } };"
    "  m.addEventListener('timeupdate', f);"
    "});"
    "const m = new Audio('%s'); m.muted = true; m.preload = 'auto';"
    "await on(m, 'canplaythrough');"
    "await m.play(); await moves(m); m.pause();"
    "const loop = document.getElementById('loop');"
    "await moves(loop);"
    "return [m.error === null, m.currentSrc.startsWith('http://127.0.0.1:'),"
    "        m.duration, loop.paused];", file);
  g_autofree char *wrapped =
    g_strdup_printf ("return JSON.stringify(await (async () => {\n%s\n})());", body);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *a;
  JsResult r = { FALSE, NULL, NULL };

  webkit_web_view_call_async_javascript_function (atrium_window_get_web_view (window), wrapped,
                                                  -1, NULL, NULL, NULL, NULL, js_done_cb, &r);
  WAIT_FOR (r.done, DEADLINE_S, "the page to load and play %s through the media route %s", file,
            while_what);
  g_assert_no_error (r.error);
  g_test_message ("page: %s", r.text);
  node = json_from_string (r.text, &error);
  g_assert_no_error (error);
  g_free (r.text);

  a = json_node_get_array (node);
  g_assert_true (json_array_get_boolean_element (a, 0));
  g_assert_true (json_array_get_boolean_element (a, 1));
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (a, 2), 3.0, 0.1);
  g_assert_false (json_array_get_boolean_element (a, 3));
}

/* Counting */

static guint
count_state (GPtrArray *peers,
             PeerState  state)
{
  guint n = 0;

  for (guint i = 0; i < peers->len; i++)
    n += ((Peer *) peers->pdata[i])->state == state;
  return n;
}

static gboolean
all_settled (GPtrArray *peers)
{
  for (guint i = 0; i < peers->len; i++)
    {
      Peer *p = peers->pdata[i];

      if (p->state != PEER_CLOSED && !peer_answered (p))
        return FALSE;
    }
  return TRUE;
}

static void
restore_timeouts (void)
{
  _atrium_media_server_set_timeouts (_atrium_app_get_media_server (app),
                                     ATRIUM_MEDIA_HEAD_DEADLINE_MS,
                                     ATRIUM_MEDIA_IDLE_TIMEOUT_MS);
}

/* Tests */

static void
test_idle_flood (void)
{
  AtriumMediaServer *server = _atrium_app_get_media_server (app);
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
  guint over = N_IDLE - ATRIUM_MEDIA_MAX_CONNECTIONS;

  g_test_summary ("Hundreds of idle connections without the token are held, then closed: "
                  "the server closes those over its cap at once, still serves the app and "
                  "its media, and does not crash.");

  /* Only the cap may close them: the 30 s idle timeout, reached on a
   * loaded machine before all are accepted, would close them too. */
  _atrium_media_server_set_timeouts (server, 600000, 600000);
  for (guint i = 0; i < N_IDLE; i++)
    g_ptr_array_add (peers, peer_new (""));
  WAIT_FOR (count_state (peers, PEER_CONNECTING) == 0, DEADLINE_S,
            "%u idle connections to be accepted", N_IDLE);

  /* Those over the cap are the longest idle; the server closes them. */
  WAIT_FOR (count_state (peers, PEER_CLOSED) >= over, DEADLINE_S,
            "the server to close the %u idle connections over its cap of %u", over,
            ATRIUM_MEDIA_MAX_CONNECTIONS);
  /* Those and no more: nothing else closes a connection here. */
  g_assert_cmpuint (count_state (peers, PEER_CLOSED), ==, over);
  g_assert_cmpuint (_atrium_media_server_get_n_connections (server), <=,
                    ATRIUM_MEDIA_MAX_CONNECTIONS);

  assert_served ("while hundreds of idle connections are held");
  assert_page_plays ("idle.wav", "while hundreds of idle connections are held");

  /* All closed at once, which used to crash the app. */
  g_ptr_array_set_size (peers, 0);
  assert_served ("after the idle connections closed");
  assert_page_plays ("idle-after.wav", "after the idle connections closed");
  restore_timeouts ();
}

static void
test_idle_timeout (void)
{
  AtriumMediaServer *server = _atrium_app_get_media_server (app);
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);

  g_test_summary ("A connection that sends nothing is closed at the idle timeout, which is "
                  "separate from the head deadline.");

  /* The head deadline stays long: only the idle timeout can close them. */
  _atrium_media_server_set_timeouts (server, 600000, 200);
  for (guint i = 0; i < 20; i++)
    g_ptr_array_add (peers, peer_new (""));
  /* Within half the default idle timeout: closed by the short one. */
  WAIT_FOR (count_state (peers, PEER_CLOSED) == peers->len, ATRIUM_MEDIA_IDLE_TIMEOUT_MS / 2000,
            "the server to close 20 idle connections at its 200 ms idle timeout");
  for (guint i = 0; i < peers->len; i++)
    g_assert_cmpuint (((Peer *) peers->pdata[i])->in->len, ==, 0);
  restore_timeouts ();
}

static gboolean
drip_cb (gpointer user_data)
{
  GPtrArray *peers = user_data;
  static const char one_byte[] = "a";

  /* The attack: one more byte of a head on every open connection. */
  for (guint i = 0; i < peers->len; i++)
    {
      Peer *p = peers->pdata[i];

      if (p->state == PEER_OPEN)
        peer_send (p, one_byte, 1);
    }
  return G_SOURCE_CONTINUE;
}

static void
test_slow_senders (void)
{
  AtriumMediaServer *server = _atrium_app_get_media_server (app);
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
  guint drip;

  g_test_summary ("Connections that send their request head a byte at a time are cut at the "
                  "head deadline, however steadily they send, while the app and its media "
                  "are served.");

  /* The idle timeout stays long: only the head deadline can cut them. */
  _atrium_media_server_set_timeouts (server, 500, 600000);
  for (guint i = 0; i < N_SLOW; i++)
    g_ptr_array_add (peers, peer_new ("GET / HTTP/1.1\r\nX-Slow: "));
  drip = g_timeout_add (20, drip_cb, peers);

  assert_served ("while slow senders are held");
  assert_page_plays ("slow.wav", "while slow senders are held");

  WAIT_FOR (count_state (peers, PEER_CLOSED) == N_SLOW, DEADLINE_S,
            "the server to cut %u slow senders at its 500 ms head deadline", N_SLOW);
  g_source_remove (drip);

  /* Cut with a 408 at most, never served. */
  for (guint i = 0; i < N_SLOW; i++)
    {
      Peer *p = peers->pdata[i];

      if (p->in->len > 0)
        {
          g_assert_cmpuint (p->in->len, >=, 13);
          g_assert_cmpmem (p->in->data, 13, "HTTP/1.1 408 ", 13);
        }
    }
  restore_timeouts ();
  assert_served ("after the slow senders were cut");
}

static void
test_parallel_ranges (void)
{
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
  guint answered = 0;
  guint refused = 0;

  g_test_summary ("Hundreds of Range requests with the token at once are all answered "
                  "correctly or refused cleanly (closed before any byte); each refused one "
                  "succeeds when sent again; the page keeps playing media.");

  for (guint i = 0; i < N_PARALLEL; i++)
    {
      g_autofree char *request = range_request ((i * 4099) % (DATA_LENGTH - 65536),
                                                1024 + i * 300, TRUE);

      g_ptr_array_add (peers, peer_new (request));
    }
  assert_page_plays ("parallel.wav", "while hundreds of Range requests are in flight");
  WAIT_FOR (all_settled (peers), DEADLINE_S,
            "%u parallel Range requests to be answered or refused", N_PARALLEL);

  for (guint i = 0; i < N_PARALLEL; i++)
    {
      Peer *p = peers->pdata[i];
      goffset start = (i * 4099) % (DATA_LENGTH - 65536);
      goffset length = 1024 + i * 300;

      if (peer_answered (p))
        {
          assert_range_answer (p->in, start, length);
          answered++;
          continue;
        }
      /* Refused: closed before a single byte of an answer. */
      g_assert_cmpint (p->state, ==, PEER_CLOSED);
      g_assert_cmpuint (p->in->len, ==, 0);
      refused++;

      /* As a client would, again. */
      {
        g_autofree char *request = range_request (start, length, TRUE);
        Peer *again = peer_new (request);

        WAIT_FOR (peer_answered (again) || again->state == PEER_CLOSED, DEADLINE_S,
                  "a refused Range request to be answered when sent again");
        assert_range_answer (again->in, start, length);
        peer_free (again);
      }
    }
  g_test_message ("%u answered at once, %u refused and answered again", answered, refused);
  g_assert_cmpuint (answered, >, 0);

  g_ptr_array_set_size (peers, 0);
  assert_page_plays ("parallel-after.wav", "after hundreds of Range requests");
}

/* Fixture */

/* Three seconds of a triangle wave, 8 kHz mono 16-bit PCM. */
static void
write_tone (const char *name)
{
  const guint rate = 8000, n = rate * 3;
  g_autoptr(GByteArray) wav = g_byte_array_new ();
  guint32 u32;
  guint16 u16;

#define PUT(bytes, len) g_byte_array_append (wav, (const guint8 *) (bytes), (len))
#define U32(v) (u32 = GUINT32_TO_LE (v), PUT (&u32, 4))
#define U16(v) (u16 = GUINT16_TO_LE (v), PUT (&u16, 2))
  PUT ("RIFF", 4); U32 (36 + n * 2); PUT ("WAVE", 4);
  PUT ("fmt ", 4); U32 (16); U16 (1); U16 (1); U32 (rate); U32 (rate * 2); U16 (2); U16 (16);
  PUT ("data", 4); U32 (n * 2);
  for (guint i = 0; i < n; i++)
    U16 ((guint16) (gint16) (((i * 440 * 4 / rate) % 4 < 2 ? 1 : -1) * 3000));
#undef PUT
#undef U32
#undef U16

  test_write_file (root, name, wav->data, wav->len);
}

static gboolean
setup_fixture (void)
{
  static const char * const tones[] = {
    "loop.wav", "idle.wav", "idle-after.wav", "slow.wav", "parallel.wav", "parallel-after.wav",
  };
  static const char page[] =
    "<!DOCTYPE html><html><head><meta charset=utf-8><title>media</title></head><body>"
    "<audio id=loop src=\"loop.wav\" muted loop preload=auto></audio></body></html>";
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(JsonNode) playing = NULL;

  root = g_dir_make_tmp ("atrium-security-media-XXXXXX", &error);
  g_assert_no_error (error);
  data = g_malloc (DATA_LENGTH);
  for (guint i = 0; i < DATA_LENGTH; i++)
    data[i] = (guint8) (i * 31 + (i >> 8));
  test_write_file (root, "data.bin", data, DATA_LENGTH);
  for (gsize i = 0; i < G_N_ELEMENTS (tones); i++)
    write_tone (tones[i]);
  test_write_file (root, "media.html", page, sizeof page - 1);

  assets = atrium_assets_new_for_directory (root, &error);
  g_assert_no_error (error);
  app = harness_app_new (assets);

  /* The page plays a tone in a loop through every test. The route starts
   * with the first window. */
  window = harness_open (app, "/media.html");
  g_assert_nonnull (_atrium_app_get_media_server (app));
  playing = harness_run_js_json (window,
    "const a = document.getElementById('loop');"
    "if (document.createElement('audio').canPlayType('audio/wav') === '') return 'no-wav';"
    "const playing = new Promise((resolve, reject) => {"
    "  a.addEventListener('playing', resolve, {once: true});"
    "  a.addEventListener('error', () => reject(new Error('media error ' + a.error.code)),"
    "                     {once: true});"
    "});"
    "await a.play(); await playing;"
    "return 'playing';");
  if (g_strcmp0 (json_node_get_string (playing), "no-wav") == 0)
    return FALSE;
  g_assert_cmpstr (json_node_get_string (playing), ==, "playing");
  return TRUE;
}

static void
skip_no_wav (void)
{
  g_test_skip ("WebKit cannot play WAV: install gstreamer1.0-plugins-base and -good "
               "(scripts/install-deps does)");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/security/media/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  if (setup_fixture ())
    {
      g_test_add_func ("/atrium/security/media/idle-flood", test_idle_flood);
      g_test_add_func ("/atrium/security/media/idle-timeout", test_idle_timeout);
      g_test_add_func ("/atrium/security/media/slow-senders", test_slow_senders);
      g_test_add_func ("/atrium/security/media/parallel-ranges", test_parallel_ranges);
    }
  else
    g_test_add_func ("/atrium/security/media/no-wav", skip_no_wav);

  status = g_test_run ();

  harness_close (window);
  g_clear_object (&app);
  test_remove_tree (root);
  g_clear_pointer (&root, g_free);
  g_clear_pointer (&data, g_free);
  return status;
}
