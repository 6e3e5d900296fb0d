/** The public link of a meeting. */
export const meetingLink = (meetingId: string): string => `https://meet.example.com/${encodeURIComponent(meetingId)}`;
