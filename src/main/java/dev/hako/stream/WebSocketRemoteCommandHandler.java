package dev.hako.stream;

import dev.hako.log.Log;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;

/** remotecommand over WebSocket: channels 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize. */
final class WebSocketRemoteCommandHandler extends WebSocketFrameHandler {
    private static final Log LOG = Log.of("stream");
    static final int STDIN = 0, STDOUT = 1, STDERR = 2, ERROR = 3, RESIZE = 4;

    private final StreamRequest request;
    private final StreamRequest.Options options;
    private final StreamBackend backend;
    private final boolean statusJson;
    private final ResizeDecoder resizeDecoder = new ResizeDecoder();
    private InboundPipe stdin;
    private RemoteCommandSession session;

    WebSocketRemoteCommandHandler(StreamRequest request, StreamBackend backend, WebSocketChannels channels, boolean statusJson) {
        super(channels);
        this.request = request;
        this.options = request instanceof StreamRequest.Exec e ? e.options() : ((StreamRequest.Attach) request).options();
        this.backend = backend;
        this.statusJson = statusJson;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        stdin = options.stdin() ? new InboundPipe(new ReadGate(ctx.channel())) : null;
        session = new RemoteCommandSession(options.tty(), stdin,
                options.stdout() ? channels.output(STDOUT) : null,
                options.stderr() ? channels.output(STDERR) : null);
    }

    @Override
    protected void onHandshakeDone(ChannelHandlerContext ctx) {
        FrameOutputStream errors = channels.output(ERROR);
        List<String> cmd = CommandRunner.command(request);
        // the kubelet greets with an empty message on the first output channel; some clients wait for it
        int greeting = options.stdout() ? STDOUT : options.stderr() ? STDERR : ERROR;
        channels.send(greeting, ctx.alloc().buffer(0));
        CommandRunner.start(backend, request, session, outcome -> {
            String report = statusJson ? outcome.statusJson(cmd) : outcome.legacyMessage(cmd);
            if (report != null) {
                errors.writeQuietly(report);
            }
            FrameOutputStream.awaitQuietly(channels.close());
            ctx.channel().close();
        });
    }

    @Override
    protected void onMessage(WebSocketChannels.Message m) {
        switch (m.channel()) {
            case STDIN -> {
                if (stdin != null) {
                    stdin.offer(Unpooled.wrappedBuffer(m.payload()));
                }
            }
            case RESIZE -> resizeDecoder.feed(m.payload()).forEach(session::resize);
            case WebSocketChannels.CLOSE_CHANNEL -> {
                if (channels.supportsClose() && m.payload().length > 0 && m.payload()[0] == STDIN && stdin != null) {
                    stdin.finish();
                }
            }
            default -> LOG.debug("ignoring message on channel", "channel", m.channel());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        session.abort();
        super.channelInactive(ctx);
    }
}
