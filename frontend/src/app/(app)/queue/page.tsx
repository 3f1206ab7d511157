import { ReviewQueue } from "@/features/queue/ReviewQueue";

export default function QueuePage() {
  return <ReviewQueue />;
}
