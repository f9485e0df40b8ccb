import type { HubMessageFormat, HubMessageFormatName } from './hub-message-format.js';
import { nativeMessageFormat } from './native-message-format.js';
import { typeDataMessageFormat } from './type-data-message-format.js';

/** Every format, in a fixed order: a channel message is published once per format in use. */
export const HUB_MESSAGE_FORMATS: readonly HubMessageFormat[] = [
  nativeMessageFormat,
  typeDataMessageFormat,
];

/** The format a route's `message_format` names (default native). */
export function hubMessageFormat(name: HubMessageFormatName | undefined): HubMessageFormat {
  return name === 'type_data' ? typeDataMessageFormat : nativeMessageFormat;
}
