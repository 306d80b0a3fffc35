package dev.hako.cri;

import dev.hako.cri.v1.ListMetricDescriptorsRequest;
import dev.hako.cri.v1.ListMetricDescriptorsResponse;
import dev.hako.cri.v1.MetricDescriptor;
import java.util.List;

/** ListMetricDescriptors: the name, help and label keys of every metric ListPodSandboxMetrics reports. */
public final class ListMetricDescriptorsRpc {

    public ListMetricDescriptorsResponse listMetricDescriptors(ListMetricDescriptorsRequest r) {
        ListMetricDescriptorsResponse.Builder out = ListMetricDescriptorsResponse.newBuilder();
        for (List<CadvisorMetrics.Descriptor> group : List.of(CadvisorMetrics.CONTAINER, CadvisorMetrics.POD)) {
            for (CadvisorMetrics.Descriptor d : group) {
                out.addDescriptors(MetricDescriptor.newBuilder().setName(d.name()).setHelp(d.help())
                        .addAllLabelKeys(d.labelKeys()));
            }
        }
        return out.build();
    }
}
