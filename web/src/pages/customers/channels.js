// channels.js — an icon for each interaction channel (activities.channel).
import { markRaw } from 'vue'
import { Phone, Location, Message, ChatDotRound, ChatLineSquare, VideoCamera, Printer, Service, Monitor, MoreFilled } from '@element-plus/icons-vue'

export const CHANNEL_ICONS = {
  phone: markRaw(Phone), visit: markRaw(Location), email: markRaw(Message), chat: markRaw(ChatDotRound),
  sms: markRaw(ChatLineSquare), video: markRaw(VideoCamera), fax: markRaw(Printer), service_centre: markRaw(Service),
  web: markRaw(Monitor), other: markRaw(MoreFilled),
}
