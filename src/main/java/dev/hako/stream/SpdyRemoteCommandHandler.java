package dev.hako.stream;

import dev.hako.log.Log;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * remotecommand (exec/attach) over SPDY: the client opens one stream per streamType; once every expected
 * stream is there the command runs, and its outcome goes to the error stream before everything is closed.
 */
final class SpdyRemoteCommandHandler extends SpdyFrameHandler {
    private static final Log LOG = Log.of("stream");
    static final long STREAM_CREATION_TIMEOUT_SECONDS = 30;

    private final StreamRequest request;
    private final StreamRequest.Options options;
    private final int version;
    private final StreamBackend backend;
    private final Map<String, Integer> idsByType = new ConcurrentHashMap<>();
    private final Map<Integer, String> typesById = new ConcurrentHashMap<>();
    private final Set<String> expected = new HashSet<>();
    private final ResizeDecoder resizeDecoder = new ResizeDecoder();
    private InboundPipe stdin;
    private RemoteCommandSession session;
    private ScheduledFuture<?> creationTimeout;
    private boolean started;

    SpdyRemoteCommandHandler(StreamRequest request, int version, StreamBackend backend) {
        this.request = request;
        this.options = request instanceof StreamRequest.Exec e ? e.options() : ((StreamRequest.Attach) request).options();
        this.version = version;
        this.backend = backend;
        expected.add("error");
        if (options.stdin()) expected.add("stdin");
        if (options.stdout()) expected.add("stdout");
        if (options.stderr()) expected.add("stderr");
        if (options.tty() && version >= 3) expected.add("resize");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        streams = new SpdyStreams(ctx.channel());
        stdin = options.stdin() ? new InboundPipe(new ReadGate(ctx.channel())) : null;
        session = new RemoteCommandSession(options.tty(), stdin,
                options.stdout() ? lazyOutput("stdout") : null,
                options.stderr() ? lazyOutput("stderr") : null);
        creationTimeout = ctx.executor().schedule(() -> {
            if (!started) {
                LOG.info("closing session: timed out waiting for client to create streams", "missing", missing().toString());
                streams.closeConnection();
            }
        }, STREAM_CREATION_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Streams are written only after the session started, when every expected stream id is known. */
    private FrameOutputStream lazyOutput(String type) {
        return new FrameOutputStream(payload -> streams.send(idsByType.get(type), payload), () -> streams.finish(idsByType.get(type)));
    }

    private List<String> missing() {
        List<String> m = new ArrayList<>(expected);
        m.removeAll(idsByType.keySet());
        return m;
    }

    @Override
    protected void onNewStream(ChannelHandlerContext ctx, SpdySynStreamFrame syn) {
        int id = syn.streamId();
        String type = syn.headers().getAsString("streamtype");
        streams.accept(id, type);
        if (type == null || !List.of("error", "stdin", "stdout", "stderr", "resize").contains(type) || idsByType.containsKey(type)) {
            LOG.info("rejecting unexpected stream", "stream_type", String.valueOf(type));
            streams.reset(id);
            return;
        }
        idsByType.put(type, id);
        typesById.put(id, type);
        if (syn.isLast() && type.equals("stdin") && stdin != null) {
            stdin.finish();
        }
        if (!started && idsByType.keySet().containsAll(expected)) {
            started = true;
            creationTimeout.cancel(false);
            start(ctx);
        }
    }

    @Override
    protected void onData(SpdyDataFrame data) {
        String type = typesById.get(data.streamId());
        if ("stdin".equals(type) && stdin != null) {
            stdin.offer(data.content());
            if (data.isLast()) {
                stdin.finish();
            }
        } else if ("resize".equals(type)) {
            resizeDecoder.feed(ByteBufUtil.getBytes(data.content())).forEach(session::resize);
        }
    }

    @Override
    protected void onReset(int id) {
        if ("stdin".equals(typesById.get(id)) && stdin != null) {
            stdin.finish();
        }
    }

    private void start(ChannelHandlerContext ctx) {
        FrameOutputStream errors = streams.output(idsByType.get("error"));
        List<String> cmd = CommandRunner.command(request);
        CommandRunner.start(backend, request, session, outcome -> {
            String report = version >= 4 ? outcome.statusJson(cmd) : outcome.legacyMessage(cmd);
            if (report != null) {
                errors.writeQuietly(report);
            }
            // like the kubelet: close every stream, then the connection
            for (int id : idsByType.values()) {
                FrameOutputStream.awaitQuietly(streams.finish(id));
            }
            streams.closeConnection();
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (creationTimeout != null) {
            creationTimeout.cancel(false);
        }
        session.abort();
        super.channelInactive(ctx);
    }
}
