package dev.hako.stream;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Port forwarding over WebSocket: the i-th requested port gets data channel 2i and error channel 2i+1, each
 * opened by a message carrying the port as two little-endian bytes. One connection per port, made at once.
 */
final class WebSocketPortForwardHandler extends WebSocketFrameHandler {
    private final StreamRequest.PortForward request;
    private final StreamBackend backend;
    private final List<InboundPipe> uploads = new ArrayList<>();
    private final List<PortForwarder> forwarders = new ArrayList<>();

    WebSocketPortForwardHandler(StreamRequest.PortForward request, StreamBackend backend, WebSocketChannels channels) {
        super(channels);
        this.request = request;
        this.backend = backend;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ReadGate gate = new ReadGate(ctx.channel());
        for (int i = 0; i < request.ports().size(); i++) {
            uploads.add(new InboundPipe(gate));
        }
    }

    @Override
    protected void onHandshakeDone(ChannelHandlerContext ctx) {
        AtomicInteger running = new AtomicInteger(request.ports().size());
        for (int i = 0; i < request.ports().size(); i++) {
            int port = request.ports().get(i);
            byte[] portBytes = {(byte) port, (byte) (port >> 8)};
            channels.send(2 * i, Unpooled.wrappedBuffer(portBytes));
            channels.send(2 * i + 1, Unpooled.wrappedBuffer(portBytes.clone()));
            PortForwarder f = new PortForwarder(backend, request.podId(), port, uploads.get(i), channels.output(2 * i), channels.output(2 * i + 1));
            forwarders.add(f);
            f.start(() -> {
                if (running.decrementAndGet() == 0) {
                    channels.close().addListener(x -> ctx.channel().close());
                }
            });
        }
    }

    @Override
    protected void onMessage(WebSocketChannels.Message m) {
        if (m.channel() % 2 == 0 && m.channel() / 2 < uploads.size()) {
            uploads.get(m.channel() / 2).offer(Unpooled.wrappedBuffer(m.payload()));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        forwarders.forEach(PortForwarder::abort);
        uploads.forEach(InboundPipe::close);
        super.channelInactive(ctx);
    }
}
