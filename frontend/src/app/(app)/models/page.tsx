import { ModelsView } from "@/features/models/ModelsView";

export default function ModelsPage() {
  return <ModelsView />;
}
