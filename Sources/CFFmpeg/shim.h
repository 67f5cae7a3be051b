// FFmpeg 5.1 for Swift: the public headers, plus what Swift cannot import from macros.
#ifndef DETECTD_CFFMPEG_SHIM_H
#define DETECTD_CFFMPEG_SHIM_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

/// AVERROR(EAGAIN): the codec wants more input or has no output ready.
static inline int cffmpeg_error_eagain(void) { return AVERROR(EAGAIN); }
/// AVERROR_EOF: the end of the stream.
static inline int cffmpeg_error_eof(void) { return AVERROR_EOF; }
/// AVERROR_EXIT: an interrupt callback stopped a blocking call.
static inline int cffmpeg_error_exit(void) { return AVERROR_EXIT; }
/// AVERROR(ETIMEDOUT).
static inline int cffmpeg_error_timedout(void) { return AVERROR(ETIMEDOUT); }
/// AV_NOPTS_VALUE: no timestamp.
static inline int64_t cffmpeg_nopts_value(void) { return AV_NOPTS_VALUE; }
/// AVERROR_INVALIDDATA: the input (a packet, a file) is corrupt or not what it claims to be.
static inline int cffmpeg_error_invaliddata(void) { return AVERROR_INVALIDDATA; }
/// AVERROR_STREAM_NOT_FOUND: av_find_best_stream found no stream of the wanted type.
static inline int cffmpeg_error_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
/// AVERROR_PATCHWELCOME: a feature FFmpeg does not implement, which is also what damaged headers look like.
static inline int cffmpeg_error_patchwelcome(void) { return AVERROR_PATCHWELCOME; }

#endif
