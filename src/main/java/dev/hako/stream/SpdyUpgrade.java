package dev.hako.stream;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.util.List;

/** The SPDY/3.1 upgrade as Kubernetes' httpstream does it, with X-Stream-Protocol-Version negotiation. */
final class SpdyUpgrade {
    static final String PROTOCOL_HEADER = "X-Stream-Protocol-Version";
    static final String ACCEPTED_VERSIONS_HEADER = "X-Accepted-Stream-Protocol-Versions";
    static final List<String> REMOTE_COMMAND_VERSIONS = List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io");
    static final List<String> PORT_FORWARD_VERSIONS = List.of("portforward.k8s.io");

    private SpdyUpgrade() {}

    static ProtocolUpgrade negotiate(FullHttpRequest req, boolean portForward) {
        String upgrade = req.headers().get(HttpHeaderNames.UPGRADE, "");
        String connection = req.headers().get(HttpHeaderNames.CONNECTION, "");
        if (!upgrade.equalsIgnoreCase("SPDY/3.1") || !connection.toLowerCase().contains("upgrade")) {
            return ProtocolUpgrade.reject(HttpResponseStatus.BAD_REQUEST,
                    "unable to upgrade: expected \"Connection: Upgrade\" with \"Upgrade: SPDY/3.1\" or \"Upgrade: websocket\"", null);
        }
        List<String> supported = portForward ? PORT_FORWARD_VERSIONS : REMOTE_COMMAND_VERSIONS;
        SubprotocolOffer offer = SubprotocolOffer.from(req.headers(), PROTOCOL_HEADER);
        // a client that names no version speaks the first one of its kind, as old kubectl versions did
        String chosen = offer.choose(supported);
        if (chosen == null) {
            return ProtocolUpgrade.reject(HttpResponseStatus.FORBIDDEN,
                    "unable to upgrade: unable to negotiate protocol: client supports " + offer.offered() + ", server supports " + supported,
                    String.join(", ", supported));
        }
        return ProtocolUpgrade.accept(chosen.isEmpty() ? "spdy" : chosen, (ctx, r, request, backend) -> {
            ChannelHandler handler = portForward
                    ? new SpdyPortForwardHandler((StreamRequest.PortForward) request, backend)
                    : new SpdyRemoteCommandHandler(request, remoteCommandVersion(chosen), backend);
            switchProtocols(ctx, chosen, handler);
        });
    }

    /** 1 for channel.k8s.io (or no version), 2..4 for vN.channel.k8s.io. */
    static int remoteCommandVersion(String protocol) {
        return protocol.startsWith("v") ? protocol.charAt(1) - '0' : 1;
    }

    private static void switchProtocols(ChannelHandlerContext ctx, String chosen, ChannelHandler handler) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
        resp.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
        resp.headers().set(HttpHeaderNames.UPGRADE, "SPDY/3.1");
        if (!chosen.isEmpty()) {
            resp.headers().set(PROTOCOL_HEADER, chosen);
        }
        // written synchronously through the HTTP encoder before it leaves the pipeline
        ctx.writeAndFlush(resp);
        ChannelPipeline p = ctx.pipeline();
        // No SpdySessionHandler: Kubernetes' clients (moby/spdystream) neither send nor honour WINDOW_UPDATE,
        // so SPDY flow control would stall every stream after 64 KiB. Back-pressure comes from TCP instead.
        p.addAfter("http", "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
        p.remove("http-aggregate");
        p.remove("http");
        p.replace("route", "stream", handler);
    }
}
