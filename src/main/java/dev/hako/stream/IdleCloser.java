package dev.hako.stream;

import dev.hako.log.Log;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/** Closes connections on which nothing moved either way for stream_idle_timeout. */
final class IdleCloser extends ChannelInboundHandlerAdapter {
    private static final Log LOG = Log.of("stream");

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            LOG.info("closing idle stream connection", "remote", String.valueOf(ctx.channel().remoteAddress()));
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
