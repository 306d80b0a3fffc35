package dev.hako.stream;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/** The WebSocket upgrade with Kubernetes' channel subprotocols (kubelet's wsstream). */
final class WebSocketUpgrade {
    static final int MAX_MESSAGE = 1 << 20;
    static final List<String> REMOTE_COMMAND_PROTOCOLS = List.of(
            "v5.channel.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io", "channel.k8s.io", "base64.channel.k8s.io");
    static final List<String> PORT_FORWARD_PROTOCOLS = List.of(
            "portforward.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io", "channel.k8s.io", "base64.channel.k8s.io");

    private WebSocketUpgrade() {}

    static boolean isWebSocket(FullHttpRequest req) {
        return "websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE, ""));
    }

    static ProtocolUpgrade negotiate(FullHttpRequest req, boolean portForward) {
        List<String> supported = portForward ? PORT_FORWARD_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS;
        SubprotocolOffer offer = SubprotocolOffer.from(req.headers(), HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        // no subprotocol at all means the plain binary channel protocol
        String chosen = offer.choose(supported);
        if (chosen == null) {
            return ProtocolUpgrade.reject(HttpResponseStatus.BAD_REQUEST,
                    "unable to upgrade: no supported websocket subprotocol in " + offer.offered() + ", server supports " + supported, null);
        }
        return ProtocolUpgrade.accept(chosen.isEmpty() ? "websocket" : chosen, (ctx, r, request, backend) -> {
            WebSocketChannels channels = new WebSocketChannels(ctx.channel(), chosen.contains("base64"), chosen.startsWith("v5."));
            ChannelHandler handler = portForward
                    ? new WebSocketPortForwardHandler((StreamRequest.PortForward) request, backend, channels)
                    : new WebSocketRemoteCommandHandler(request, backend, channels, chosen.startsWith("v4.") || chosen.startsWith("v5."));
            handshake(ctx, r, chosen, handler);
        });
    }

    /**
     * Answers the handshake and swaps the HTTP codec for WebSocket framing within this event-loop turn, so a
     * client that writes right after the 101 cannot have its first frame parsed as HTTP.
     */
    private static void handshake(ChannelHandlerContext ctx, FullHttpRequest req, String chosen, ChannelHandler handler) {
        String key = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (key == null || !"13".equals(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
            FullHttpResponse refusal = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.UPGRADE_REQUIRED,
                    Unpooled.copiedBuffer("websocket version 13 with a Sec-WebSocket-Key is required\n", StandardCharsets.UTF_8));
            refusal.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
            refusal.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, refusal.content().readableBytes());
            ctx.writeAndFlush(refusal).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
        resp.headers().set(HttpHeaderNames.UPGRADE, "websocket");
        resp.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
        resp.headers().set(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT, acceptKey(key));
        if (!chosen.isEmpty()) {
            resp.headers().set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, chosen);
        }
        ctx.writeAndFlush(resp);
        ChannelPipeline p = ctx.pipeline();
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(MAX_MESSAGE).expectMaskedFrames(true).allowExtensions(false).build();
        p.addAfter("http", "ws-decoder", new WebSocket13FrameDecoder(config));
        p.addAfter("ws-decoder", "ws-encoder", new WebSocket13FrameEncoder(false));
        p.addAfter("ws-encoder", "ws-aggregate", new WebSocketFrameAggregator(MAX_MESSAGE));
        p.remove("http-aggregate");
        p.remove("http");
        p.replace("route", "stream", handler);
        p.fireUserEventTriggered(WebSocketChannels.HANDSHAKE_DONE);
    }

    static String acceptKey(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key.trim() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }
}
