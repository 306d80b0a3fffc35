package dev.hako.stream;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.util.ArrayList;
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
        List<String> offered = new ArrayList<>();
        for (String value : req.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
            for (String v : value.split(",")) {
                if (!v.isBlank()) {
                    offered.add(v.trim());
                }
            }
        }
        // no subprotocol at all means the plain binary channel protocol
        String chosen = offered.isEmpty() ? "" : offered.stream().filter(supported::contains).findFirst().orElse(null);
        if (chosen == null) {
            return ProtocolUpgrade.reject(HttpResponseStatus.BAD_REQUEST,
                    "unable to upgrade: no supported websocket subprotocol in " + offered + ", server supports " + supported, null);
        }
        return ProtocolUpgrade.accept(chosen.isEmpty() ? "websocket" : chosen, (ctx, r, request, backend) -> {
            WebSocketChannels channels = new WebSocketChannels(ctx.channel(), chosen.contains("base64"), chosen.startsWith("v5."));
            ChannelHandler handler = portForward
                    ? new WebSocketPortForwardHandler((StreamRequest.PortForward) request, backend, channels)
                    : new WebSocketRemoteCommandHandler(request, backend, channels, chosen.startsWith("v4.") || chosen.startsWith("v5."));
            handshake(ctx, r, chosen, handler);
        });
    }

    private static void handshake(ChannelHandlerContext ctx, FullHttpRequest req, String chosen, ChannelHandler handler) {
        String scheme = ctx.pipeline().get("tls") != null ? "wss" : "ws";
        String location = scheme + "://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(location, chosen.isEmpty() ? null : chosen, false, MAX_MESSAGE)
                .newHandshaker(req);
        if (handshaker == null) {
            RequestRouter.respond(ctx, HttpResponseStatus.UPGRADE_REQUIRED, "unsupported websocket version");
            return;
        }
        ctx.pipeline().addBefore("route", "ws-aggregate", new WebSocketFrameAggregator(MAX_MESSAGE));
        ctx.pipeline().replace("route", "stream", handler);
        ChannelFuture done = handshaker.handshake(ctx.channel(), req);
        done.addListener(f -> {
            if (f.isSuccess()) {
                ctx.pipeline().fireUserEventTriggered(WebSocketChannels.HANDSHAKE_DONE);
            } else {
                ctx.channel().close();
            }
        });
    }
}
