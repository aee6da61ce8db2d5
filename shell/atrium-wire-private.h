#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

G_BEGIN_DECLS

/* The wire format between libatrium and its web process extension
 * (shell/extension/), the one thing the two share: this file and
 * atrium-wire.c are compiled into both. GLib and GIO only.
 *
 * A call (web process → UI process) is a WebKitUserMessage named
 * ATRIUM_WIRE_CALL whose parameters are ATRIUM_WIRE_CALL_TYPE:
 *
 *     (token, body, [part…])
 *
 * the token as bytes, the call's JSON as UTF-8 bytes (binary values replaced
 * by {"$atrium-bytes": i}, as in a script message with bytes) and the i-th
 * binary value's bytes. The body and each part are a PART: (inline, fd, size)
 * where either @inline holds the bytes (@fd is -1) or @fd is an index into
 * the message's GUnixFDList, a memfd sealed against any change
 * (ATRIUM_WIRE_SEALS) that holds exactly @size bytes. Parts below the
 * threshold go inline, the rest as memfds.
 *
 * The answer is the reply to that message, named ATRIUM_WIRE_REPLY, with
 * ATRIUM_WIRE_REPLY_TYPE: (kind, body, [part…]), where kind says what the
 * body is (a result, an error's {"code","message"}, a stream's
 * {"url","type","size"}, or a result that is a string, as the string's own
 * UTF-8 rather than JSON) and the parts are the result's binary values, for
 * the markers in the body, the same way. */

#define ATRIUM_WIRE_CALL        "atrium-call"
#define ATRIUM_WIRE_REPLY       "atrium-reply"
#define ATRIUM_WIRE_PART_TYPE   "(ayht)"
#define ATRIUM_WIRE_CALL_TYPE   "(ay" ATRIUM_WIRE_PART_TYPE "a" ATRIUM_WIRE_PART_TYPE ")"
#define ATRIUM_WIRE_REPLY_TYPE  "(u" ATRIUM_WIRE_PART_TYPE "a" ATRIUM_WIRE_PART_TYPE ")"

/* What a reply's body is. */
typedef enum
{
  ATRIUM_WIRE_REPLY_VALUE = 0,
  ATRIUM_WIRE_REPLY_ERROR = 1,
  ATRIUM_WIRE_REPLY_STREAM = 2,
  ATRIUM_WIRE_REPLY_STRING = 3,
} AtriumWireReplyKind;

/* Parts of this size and up travel as memfds. */
#define ATRIUM_WIRE_INLINE_MAX (64 * 1024)
/* Most parts one message may have (the runtime sends one per binary value). */
#define ATRIUM_WIRE_MAX_PARTS 4096
/* Most memfds one message carries. WebKit sends each file as an IPC
 * attachment, at most 253 per message, and drops a message with more
 * without a word (the page's call would never be answered). Parts past
 * this many go inline, where WebKit moves a large message into shared
 * memory itself. */
#define ATRIUM_WIRE_MAX_FDS 64

/* The seals a memfd must have before it is mapped: nothing can change its
 * bytes or its size, and no one can take the seals off. */
#define ATRIUM_WIRE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

/* What libatrium hands the extension when a web process starts
 * (webkit_web_context_set_web_process_extensions_initialization_user_data):
 * an a{sv} with these keys. */
#define ATRIUM_WIRE_INIT_TOKEN    "token"     /* s: the per-launch token */
#define ATRIUM_WIRE_INIT_ORIGINS  "origins"   /* as: the app's own origins */
#define ATRIUM_WIRE_INIT_MAX_SIZE "max-size"  /* t: the message limit */

/* The extension's word that the page holds a frame of another origin: a
 * user message with (s), that frame's origin (or its URI where it has
 * none), sent at most once per document of the top frame, before any of
 * that frame's scripts run. WebKitGTK does not say which frame a
 * permission request comes from, and such a frame can reach realms the
 * extension never sees (a sandboxed child without scripts), so libatrium
 * then denies the page every device (atrium-permissions.c) and app file
 * downloads the user did not click for (atrium-window.c). */
#define ATRIUM_WIRE_FOREIGN_FRAME "atrium-foreign-frame"
#define ATRIUM_WIRE_FOREIGN_FRAME_TYPE "(s)"
/* The most of that origin the UI process keeps, for its log lines. */
#define FOREIGN_ORIGIN_MAX 256

/* The global the extension defines in an app frame, which the runtime takes
 * and deletes before any page script runs. */
#define ATRIUM_WIRE_FUNCTION "__atriumNative"

GVariant *_atrium_wire_part_new   (gconstpointer   data,
                                   gsize           size,
                                   GUnixFDList    *fds,
                                   GError        **error);
gboolean  _atrium_wire_part_size  (GVariant       *part,
                                   guint64        *size);
GBytes   *_atrium_wire_part_read  (GVariant       *part,
                                   GUnixFDList    *fds,
                                   GError        **error);
gboolean  _atrium_wire_origin_of  (const char     *uri,
                                   char          **origin);
void      _atrium_wire_close_fds  (GUnixFDList    *fds);

G_END_DECLS
